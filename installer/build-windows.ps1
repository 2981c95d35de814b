# Build the one-folder LianCha bundle on Windows into dist\liancha\ and, if Inno Setup 6
# is installed, the installer dist\liancha-setup-<version>.exe.
# Usage (from the repository root, in the venv made per docs/installer.md):
#   powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
$Python = Join-Path $Root ".venv\Scripts\python.exe"
if (-not (Test-Path $Python)) { $Python = "python" }

& $Python installer\write_build_info.py
if ($LASTEXITCODE -ne 0) { throw "写入构建信息失败" }
try {
    & $Python -m PyInstaller --noconfirm --clean --distpath "$Root\dist" --workpath "$Root\build\pyinstaller" installer\liancha.spec
    if ($LASTEXITCODE -ne 0) { throw "PyInstaller 打包失败" }
} finally {
    Remove-Item -ErrorAction SilentlyContinue "$Root\app\_build_info.py"
}

$Version = & $Python -c "import app; print(app.__version__)"
$Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
if (Test-Path $Iscc) {
    & $Iscc "/DAppVersion=$Version" installer\liancha.iss
    if ($LASTEXITCODE -ne 0) { throw "Inno Setup 编译失败" }
    Write-Host "安装程序: $Root\dist\liancha-setup-$Version.exe"
} else {
    Write-Host "未找到 Inno Setup 6（$Iscc）；程序文件夹已生成在 $Root\dist\liancha，安装 Inno Setup 6 后编译 installer\liancha.iss。"
}
