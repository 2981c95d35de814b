; Inno Setup 6 script for LianCha (联查). Compile after installer\build-windows.ps1 has
; produced dist\liancha\ :  ISCC.exe /DAppVersion=0.1.0 installer\liancha.iss
; Output: dist\liancha-setup-<version>.exe
; The program goes to Program Files; the data (database, attachments, backups) stays in the
; user's data folder (platformdirs: %LOCALAPPDATA%\LianCha) and survives upgrades and, unless
; the user ticks the box, uninstalling.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "联查 LianCha"
#define AppExe "liancha.exe"
#define GuiExe "liancha-gui.exe"

[Setup]
AppId={{6F1C2D4B-8A53-4C1E-9E1A-3B7D5C2A9F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=LianCha
DefaultDirName={autopf}\LianCha
DefaultGroupName=联查
DisableProgramGroupPage=yes
OutputDir=..\dist
OutputBaseFilename=liancha-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#GuiExe}
; Installing over an older version replaces the program files only.
CloseApplications=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[CustomMessages]
chinesesimplified.DesktopIcon=创建桌面快捷方式
chinesesimplified.ExtraIcons=附加快捷方式：
chinesesimplified.RunNow=立即启动联查
chinesesimplified.RemoveDataTitle=是否删除数据？
chinesesimplified.RemoveDataText=程序已卸载。数据文件夹中保存着数据库、附件和备份：%n%n%1%n%n默认保留这些数据，以便重新安装后继续使用。%n%n要同时永久删除这些数据吗？（删除后无法恢复，请先用“备份”功能另存一份。）

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; GroupDescription: "{cm:ExtraIcons}"

[Files]
Source: "..\dist\liancha\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Old program files from a previous version (never the data folder, which is elsewhere).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\联查"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"
Name: "{group}\卸载联查"; Filename: "{uninstallexe}"
Name: "{autodesktop}\联查"; Filename: "{app}\{#GuiExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:RunNow}"; Flags: nowait postinstall skipifsilent

[Code]
function DataDir(): String;
begin
  { platformdirs.user_data_dir("LianCha", appauthor=False) on Windows }
  Result := ExpandConstant('{localappdata}\LianCha');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Dir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    Dir := DataDir();
    if DirExists(Dir) and not UninstallSilent() then
    begin
      { Default button is "否" so an accidental Enter keeps the data. }
      if SuppressibleMsgBox(FmtMessage(CustomMessage('RemoveDataText'), [Dir]),
           mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
        DelTree(Dir, True, True, True);
    end;
  end;
end;
