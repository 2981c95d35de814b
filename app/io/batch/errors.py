"""The one exception a batch reader raises, with a machine-readable reason.

Every refusal carries a :class:`RejectReason` for the import log and the caller's
logic, a Chinese message that tells the operator what to do, and an English
``detail`` for the technical log. ``detail`` never contains classified content:
the reader builds it from public facts only (member names, sizes of public
members), so it can be logged as it is.
"""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why a batch file (or a receipt) was refused; stable codes for logs and receipts."""

    PARTIAL_FILE = "partial_file"
    FILE_TOO_LARGE = "file_too_large"
    UNREADABLE_FILE = "unreadable_file"
    CORRUPT_ZIP = "corrupt_zip"
    TOO_MANY_MEMBERS = "too_many_members"
    BAD_MEMBER_NAME = "bad_member_name"
    DUPLICATE_MEMBER = "duplicate_member"
    UNSUPPORTED_ZIP_FEATURE = "unsupported_zip_feature"
    MISSING_MANIFEST = "missing_manifest"
    BAD_SIGNATURE_FORMAT = "bad_signature_format"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    BAD_MANIFEST = "bad_manifest"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    ORIGIN_MISMATCH = "origin_mismatch"
    UNLISTED_MEMBER = "unlisted_member"
    MISSING_MEMBER = "missing_member"
    MEMBER_TOO_LARGE = "member_too_large"
    COMPRESSION_RATIO = "compression_ratio"
    SIZE_MISMATCH = "size_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    PRIVATE_KEY_REQUIRED = "private_key_required"
    NOT_FOR_THIS_INSTALLATION = "not_for_this_installation"
    DECRYPTION_FAILED = "decryption_failed"
    BAD_CONTENTS = "bad_contents"
    BAD_ITEMS = "bad_items"
    COUNT_MISMATCH = "count_mismatch"
    SEQ_MISMATCH = "seq_mismatch"
    BAD_RECEIPT = "bad_receipt"


_RESEND = "请向发送方重新索取该批次文件（U盘拷贝不完整或文件被改动都会这样）。"
_ASK_SENDER = "请联系发送方核实其软件版本和导出方式，并重新导出。"

#: What the operator reads. Each says what happened and what to do next.
MESSAGES: dict[RejectReason, str] = {
    RejectReason.PARTIAL_FILE: (
        "这是未写完的临时文件（.partial），不能导入。"
        "请使用不带 .partial 后缀的正式批次文件，或让发送方重新导出。"
    ),
    RejectReason.FILE_TOO_LARGE: "批次文件超过允许的大小上限，已拒收。" + _ASK_SENDER,
    RejectReason.UNREADABLE_FILE: "无法读取批次文件。请先把文件从U盘复制到本机硬盘，再重新导入。",
    RejectReason.CORRUPT_ZIP: "批次文件已损坏，无法打开。" + _RESEND,
    RejectReason.TOO_MANY_MEMBERS: "批次文件包含的文件数量异常，已拒收。" + _ASK_SENDER,
    RejectReason.BAD_MEMBER_NAME: (
        "批次文件内含有不合规的文件名（可能是恶意构造的文件），已拒收。请勿使用该文件，并向发送方核实。"
    ),
    RejectReason.DUPLICATE_MEMBER: (
        "批次文件内有重名文件（可能是被篡改的文件），已拒收。请勿使用该文件，并向发送方核实。"
    ),
    RejectReason.UNSUPPORTED_ZIP_FEATURE: "批次文件使用了不支持的压缩或加密方式，已拒收。" + _ASK_SENDER,
    RejectReason.MISSING_MANIFEST: (
        "批次文件缺少清单或签名，不是有效的联查批次文件。请确认选择了正确的文件。"
    ),
    RejectReason.BAD_SIGNATURE_FORMAT: "批次文件的签名格式不正确，已拒收。" + _RESEND,
    RejectReason.UNKNOWN_KEY: (
        "批次文件的签名密钥不在本机的受信任密钥列表中，已拒收。"
        "如确认来源可信，请先在“系统管理—受信任密钥”中登记对方密钥，"
        "并通过电话或纸面核对指纹，然后重新导入。"
    ),
    RejectReason.BAD_SIGNATURE: "批次文件的签名验证失败，内容可能被改动，已拒收。" + _RESEND,
    RejectReason.BAD_MANIFEST: "批次文件的清单内容不符合格式要求，已拒收。" + _ASK_SENDER,
    RejectReason.UNSUPPORTED_VERSION: (
        "批次文件的格式版本或类型本软件不认识，已拒收。请升级本软件后再导入。"
    ),
    RejectReason.UNSUPPORTED_ALGORITHM: (
        "批次文件使用了本软件不支持的密码算法，已拒收。请升级本软件或与发送方约定算法。"
    ),
    RejectReason.ORIGIN_MISMATCH: (
        "批次文件声明的来源单位或安装编号与其签名密钥的登记信息不一致，已拒收。"
        "请向发送方核实，必要时重新登记密钥。"
    ),
    RejectReason.UNLISTED_MEMBER: "批次文件中有清单未列出的文件（可能被篡改），已拒收。" + _RESEND,
    RejectReason.MISSING_MEMBER: "批次文件缺少清单列出的文件，已拒收。" + _RESEND,
    RejectReason.MEMBER_TOO_LARGE: "批次文件中的某个文件超过允许的大小上限，已拒收。" + _ASK_SENDER,
    RejectReason.COMPRESSION_RATIO: (
        "批次文件的压缩比异常（可能是“压缩炸弹”），已拒收。请勿使用该文件，并向发送方核实。"
    ),
    RejectReason.SIZE_MISMATCH: "批次文件中某个文件的大小与清单不符，已拒收。" + _RESEND,
    RejectReason.HASH_MISMATCH: (
        "批次文件中某个文件的校验值与清单不符，内容已被改动或损坏，已拒收。" + _RESEND
    ),
    RejectReason.PRIVATE_KEY_REQUIRED: (
        "这是涉密批次，需要本机的解密密钥才能读取。请在持有接收密钥的计算机上导入。"
    ),
    RejectReason.NOT_FOR_THIS_INSTALLATION: (
        "这是发给另一台计算机（另一接收密钥）的涉密批次，本机无法解密。"
        "请确认接收方，或让发送方用本机的公钥重新导出。"
    ),
    RejectReason.DECRYPTION_FAILED: "涉密批次解密或完整性校验失败，已拒收。" + _RESEND,
    RejectReason.BAD_CONTENTS: "批次文件的内容目录不符合格式要求，已拒收。" + _ASK_SENDER,
    RejectReason.BAD_ITEMS: "批次文件中的数据行无法解析，已拒收。" + _ASK_SENDER,
    RejectReason.COUNT_MISMATCH: "批次文件中的数据条数与清单不符，已拒收。" + _RESEND,
    RejectReason.SEQ_MISMATCH: (
        "批次文件中的数据序号与清单声明的范围不符（有缺号、重号或越界），已拒收。" + _ASK_SENDER
    ),
    RejectReason.BAD_RECEIPT: ("回执内容不符合格式要求，已拒收。请向出具回执的一方核实后重新获取回执。"),
}


class BatchRejected(Exception):
    """A batch file (or receipt) was refused; nothing from it may be used.

    Attributes:
        reason: The machine-readable reason code.
        message: Chinese text for the operator, naming the file when known.
        detail: English technical detail for the log; free of classified content.
        source: The file name, or ``None`` when the batch was given as bytes.
    """

    def __init__(self, reason: RejectReason, detail: str = "", *, source: str | None = None) -> None:
        self.reason = reason
        self.detail = detail
        self.source = source
        prefix = f"批次文件“{source}”：" if source else ""
        self.message = prefix + MESSAGES[reason]
        super().__init__(self.message)

    def with_source(self, source: str | None) -> BatchRejected:
        """Return the same refusal with the file name filled in (for messages built deep down)."""
        if source is None or self.source is not None:
            return self
        return BatchRejected(self.reason, self.detail, source=source)

    def __str__(self) -> str:
        return f"{self.message} [{self.reason.value}: {self.detail}]" if self.detail else self.message


class BatchWriteError(Exception):
    """Writing a batch failed its read-back check; the file was not left in place."""
