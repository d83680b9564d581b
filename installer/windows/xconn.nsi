; xconn — Windows installer (NSIS 3, per-machine).
;
;   makensis -DVERSION=0.1.0 -DDIST=..\..\dist installer\windows\xconn.nsi
;
; DIST (absolute, or relative to this folder: makensis works from here) must hold xconn.exe
; (windowed) and xconn-cli.exe (console) from `python build/build.py`. Compile-time paths use "/"
; (makensis accepts it on Windows and needs it on Linux).
; OUTDIR (default: DIST) receives xconn-<VERSION>-setup.exe.
;
; What it does: installs to Program Files, Start-menu shortcut, optional desktop shortcut
; (components page), creates C:\ProgramData\xconn (the shared registry,
; platformdirs.site_config_dir) writable for the local Users group, registers a daily
; keep-alive task, and an Add/Remove Programs entry whose uninstaller undoes all of it except
; the shared registry (connections survive an uninstall/reinstall; tokens stay in each user's
; Credential Manager).

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "pass -DVERSION=X.Y.Z"
!endif
!ifndef DIST
  !error "pass -DDIST=<folder with xconn.exe and xconn-cli.exe>"
!endif
!ifndef OUTDIR
  !define OUTDIR "${DIST}"
!endif
!ifndef VIVERSION
  !define VIVERSION "${VERSION}.0"   ; VIProductVersion needs four numbers
!endif

!define APP "xconn"
!define PUBLISHER "xconn"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\xconn"
!define TASK "xconn\keep-alive"
!define USERS_SID "S-1-5-32-545"     ; BUILTIN\Users, by SID so it works in every Windows language
!define ICON "../../xconn_app/assets/xconn.ico"   ; makensis works from this folder

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

Name "${APP} ${VERSION}"
OutFile "${OUTDIR}/xconn-${VERSION}-setup.exe"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=1033 "ProductName" "${APP}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "MIT licensed"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\xconn.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start xconn"

!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "xconn needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all   ; per machine: $SMPROGRAMS, $DESKTOP of all users; $APPDATA = C:\ProgramData
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "xconn (required)" SecApp
  SectionIn RO
  ; the keep-alive task may be running the program being replaced
  nsExec::ExecToLog 'schtasks /End /TN "${TASK}"'
  SetOutPath "$INSTDIR"
  File "${DIST}/xconn.exe"
  File "${DIST}/xconn-cli.exe"
  File "/oname=xconn.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Start menu
  CreateShortcut "$SMPROGRAMS\xconn.lnk" "$INSTDIR\xconn.exe" "" "$INSTDIR\xconn.ico" 0 SW_SHOWNORMAL "" "Xero connections"

  ; Shared registry folder, writable ("Modify", inherited by files and subfolders) for local
  ; users, so every user of this PC sees and edits the same connection list.
  CreateDirectory "$APPDATA\xconn"
  nsExec::ExecToLog 'icacls "$APPDATA\xconn" /grant *${USERS_SID}:(OI)(CI)M'
  Pop $0
  ${If} $0 != 0
    DetailPrint "icacls returned $0: other users may not be able to save connections"
  ${EndIf}

  ; Daily keep-alive (a Xero refresh token expires after 60 days unused). The task's principal
  ; is the Users GROUP, so it runs in the session of whichever user is logged on, where that
  ; user's Credential Manager (and so their tokens) is reachable. It runs the windowed
  ; xconn.exe with arguments (= the CLI without a console window) rather than xconn-cli.exe,
  ; which would flash a console window on the user's desktop every day. schtasks needs an XML
  ; definition for a group principal; it reads it as UTF-16.
  FileOpen $1 "$INSTDIR\keepalive.xml" w
  FileWriteUTF16LE /BOM $1 '<?xml version="1.0" encoding="UTF-16"?>$\r$\n'
  FileWriteUTF16LE $1 '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">$\r$\n'
  FileWriteUTF16LE $1 '  <RegistrationInfo><Author>xconn</Author><Description>Refreshes Xero connections daily so their refresh tokens do not expire.</Description></RegistrationInfo>$\r$\n'
  FileWriteUTF16LE $1 '  <Triggers><CalendarTrigger><StartBoundary>2025-01-01T12:00:00</StartBoundary><RandomDelay>PT1H</RandomDelay><Enabled>true</Enabled><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay></CalendarTrigger></Triggers>$\r$\n'
  FileWriteUTF16LE $1 '  <Principals><Principal id="Users"><GroupId>${USERS_SID}</GroupId><RunLevel>LeastPrivilege</RunLevel></Principal></Principals>$\r$\n'
  FileWriteUTF16LE $1 '  <Settings><MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy><DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries><StopIfGoingOnBatteries>false</StopIfGoingOnBatteries><StartWhenAvailable>true</StartWhenAvailable><RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable><ExecutionTimeLimit>PT30M</ExecutionTimeLimit><Enabled>true</Enabled></Settings>$\r$\n'
  FileWriteUTF16LE $1 '  <Actions Context="Users"><Exec><Command>"$INSTDIR\xconn.exe"</Command><Arguments>refresh --all</Arguments></Exec></Actions>$\r$\n'
  FileWriteUTF16LE $1 '</Task>$\r$\n'
  FileClose $1
  nsExec::ExecToLog 'schtasks /Create /F /TN "${TASK}" /XML "$INSTDIR\keepalive.xml"'
  Pop $0
  ${If} $0 != 0
    DetailPrint "schtasks returned $0: the daily keep-alive task was not created"
  ${EndIf}

  ; Add/Remove Programs
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "xconn — Xero Connections"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\xconn.ico"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\xconn.lnk" "$INSTDIR\xconn.exe" "" "$INSTDIR\xconn.ico" 0 SW_SHOWNORMAL "" "Xero connections"
SectionEnd

Section "Uninstall"
  nsExec::ExecToLog 'schtasks /End /TN "${TASK}"'
  nsExec::ExecToLog 'schtasks /Delete /F /TN "${TASK}"'
  Delete "$SMPROGRAMS\xconn.lnk"
  Delete "$DESKTOP\xconn.lnk"
  Delete "$INSTDIR\xconn.exe"
  Delete "$INSTDIR\xconn-cli.exe"
  Delete "$INSTDIR\xconn.ico"
  Delete "$INSTDIR\keepalive.xml"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  ; $APPDATA\xconn (the shared connection list) is kept on purpose: reinstalling brings
  ; the connections back. Tokens are in each user's Credential Manager ("xconn" entries).
SectionEnd
