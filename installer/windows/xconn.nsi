; xconn — Windows installer (NSIS 3, per-machine, 64-bit).
;
;   makensis -WX -DVERSION=0.1.0 -DDIST=<abs path of dist\onedir\xconn> installer\windows\xconn.nsi
;
; DIST must hold the onedir build (`python build/build.py --mode onedir`): xconn.exe (windowed),
; xconn-cli.exe (console) and _internal\. A onefile build would unpack itself into %TEMP% at every
; start, which AppLocker / WDAC rules commonly block (as noexec does on Linux). Compile-time paths
; use "/" (makensis accepts it on Windows and needs it on Linux). OUTDIR (default: DIST\..)
; receives xconn-<VERSION>-setup.exe. VERSION must be pyproject.toml's (python build/version.py).
; SIGN (optional): a command that signs the file given as %1, e.g.
;   -DSIGN="signtool sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /f cert.pfx /p PASS"
; then the uninstaller (while it is built) and the installer are signed (!uninstfinalize/!finalize).
;
; What it does: closes (or asks about) a running xconn; installs to Program Files (64-bit view of
; the registry and the folders); Start-menu shortcut, optional desktop shortcut; runs
; `xconn-cli.exe setup-machine --add-admin <installing user>`, which creates C:\ProgramData\xconn,
; the local group xconn-admins and the ACL of issue 10 (SYSTEM and Administrators full control,
; xconn-admins modify, Users read & execute, no CREATOR OWNER), adds the installing admin to the
; group and migrates nothing on Windows (same folder as before); registers a daily keep-alive task
; that runs as whichever user is logged on (never elevated); Add/Remove Programs entry. A failure
; of setup-machine or of the task is shown to the user (silent: in the log and the exit code 2).
; The finish page starts xconn as the signed-in user, not with the installer's elevated rights
; (tokens would otherwise land in the administrator's Credential Manager).

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "pass -DVERSION=X.Y.Z (python build/version.py)"
!endif
!ifndef DIST
  !error "pass -DDIST=<folder of the onedir build: xconn.exe, xconn-cli.exe, _internal>"
!endif
!ifndef OUTDIR
  !define OUTDIR "${DIST}/.."
!endif
!ifndef VIVERSION
  !define VIVERSION "${VERSION}.0"   ; VIProductVersion needs four numbers
!endif
!ifdef SIGN
  !uninstfinalize '${SIGN} "%1"' = 0
  !finalize '${SIGN} "%1"' = 0
!endif

!define APP "xconn"
!define PUBLISHER "xconn"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\xconn"
!define TASK "xconn\keep-alive"
!define USERS_SID "S-1-5-32-545"     ; BUILTIN\Users, by SID so it works in every Windows language
!define ICON "../../xconn_app/assets/xconn.ico"   ; makensis works from this folder
!define DEFAULT_DIR "$PROGRAMFILES64\${APP}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

Name "${APP} ${VERSION}"
OutFile "${OUTDIR}/xconn-${VERSION}-setup.exe"
; No InstallDirRegKey: NSIS reads it before .onInit, i.e. in the 32-bit registry view, where the
; 64-bit uninstall key is not. .onInit reads it after SetRegView 64.
InstallDir "${DEFAULT_DIR}"
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
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "Start xconn"
!define MUI_FINISHPAGE_RUN_FUNCTION StartAsSignedInUser

!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var Problems   ; what went wrong, shown at the end (and exit code 2)

; Close a running xconn (the window, a command line, the keep-alive task) after asking; files in
; use cannot be replaced, and a half-replaced _internal\ would break the app.
!macro CloseRunningXconn un
Function ${un}CloseRunningXconn
  nsExec::ExecToLog 'schtasks /End /TN "${TASK}"'
  Pop $0   ; 1 when the task does not exist or is not running: fine
  retry:
  nsExec::ExecToStack '"$SYSDIR\cmd.exe" /c tasklist /FI "IMAGENAME eq xconn.exe" /NH | "$SYSDIR\find.exe" /I "xconn.exe"'
  Pop $0
  Pop $1
  nsExec::ExecToStack '"$SYSDIR\cmd.exe" /c tasklist /FI "IMAGENAME eq xconn-cli.exe" /NH | "$SYSDIR\find.exe" /I "xconn-cli.exe"'
  Pop $2
  Pop $1
  ${If} $0 == 0
  ${OrIf} $2 == 0
    MessageBox MB_OKCANCEL|MB_ICONEXCLAMATION "xconn is running (perhaps for another user of this computer).$\r$\n$\r$\nOK closes it (an authorization in progress is lost); Cancel stops here." /SD IDOK IDOK close
    Abort
    close:
    nsExec::ExecToLog 'taskkill /F /T /IM xconn.exe /IM xconn-cli.exe'
    Pop $0
    Sleep 1000
    Goto retry
  ${EndIf}
FunctionEnd
!macroend
!insertmacro CloseRunningXconn ""
!insertmacro CloseRunningXconn "un."

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "xconn needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all   ; per machine: $SMPROGRAMS, $DESKTOP of all users; $APPDATA = C:\ProgramData
  ; an earlier installation's folder, unless /D= chose one
  ${If} $INSTDIR == "${DEFAULT_DIR}"
    ReadRegStr $0 HKLM "${UNINST_KEY}" "InstallLocation"
    ${If} $0 != ""
      StrCpy $INSTDIR $0
    ${EndIf}
  ${EndIf}
  StrCpy $Problems ""
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

; The installer runs elevated; a program it starts would too, and xconn would keep tokens in the
; administrator's Credential Manager. explorer.exe started from here hands the program to the
; signed-in user's shell, which starts it with that user's own (unelevated) rights.
Function StartAsSignedInUser
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\xconn.exe"'
FunctionEnd

Section "xconn (required)" SecApp
  SectionIn RO
  Call CloseRunningXconn
  SetOutPath "$INSTDIR"
  ; the previous version's files go first: a stale module in _internal\ must not survive
  RMDir /r "$INSTDIR\_internal"
  File /r "${DIST}/*.*"
  File "/oname=xconn.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\xconn.lnk" "$INSTDIR\xconn.exe" "" "$INSTDIR\xconn.ico" 0 SW_SHOWNORMAL "" "Xero connections"

  ; The machine-wide connection list (issue 10): folder, group xconn-admins, ACL, the installing
  ; admin in the group. setup-machine does it; its messages go to the details log.
  ReadEnvStr $R0 USERNAME
  ${If} $R0 == ""
  ${OrIf} $R0 == "SYSTEM"
    StrCpy $R1 ""   ; deployed by SYSTEM (Intune, SCCM): no admin to add; IT adds them later
  ${Else}
    StrCpy $R1 ' --add-admin "$R0"'
  ${EndIf}
  ; a computer account (DOMAIN\PC$) is not a person either
  StrCpy $R2 $R0 1 -1
  ${If} $R2 == "$$"
    StrCpy $R1 ""
  ${EndIf}
  nsExec::ExecToLog '"$INSTDIR\xconn-cli.exe" setup-machine$R1'
  Pop $0
  ${If} $0 != 0
    StrCpy $Problems "$Problems$\r$\n- The shared connection list folder could not be set up (xconn-cli setup-machine exit $0). Run as administrator: $\"$INSTDIR\xconn-cli.exe$\" setup-machine$R1"
  ${EndIf}

  ; Daily keep-alive (a Xero refresh token expires after 60 days unused). The task's principal
  ; is the Users GROUP with least privilege, so it runs in the session of whichever user is
  ; logged on, where that user's Credential Manager (and so their tokens) is reachable; never
  ; elevated, never as SYSTEM. It runs the windowed xconn.exe with arguments (= the CLI without a
  ; console window). Elements in the order of the Task Scheduler schema (triggerBaseType's
  ; sequence: Enabled, StartBoundary, then calendarTriggerType's RandomDelay, ScheduleByDay).
  ; schtasks reads the XML as UTF-16.
  FileOpen $1 "$INSTDIR\keepalive.xml" w
  FileWriteUTF16LE /BOM $1 '<?xml version="1.0" encoding="UTF-16"?>$\r$\n'
  FileWriteUTF16LE $1 '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">$\r$\n'
  FileWriteUTF16LE $1 '  <RegistrationInfo><Author>xconn</Author><Description>Refreshes Xero connections daily so their refresh tokens do not expire.</Description></RegistrationInfo>$\r$\n'
  FileWriteUTF16LE $1 '  <Triggers><CalendarTrigger><Enabled>true</Enabled><StartBoundary>2025-01-01T12:00:00</StartBoundary><RandomDelay>PT1H</RandomDelay><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay></CalendarTrigger></Triggers>$\r$\n'
  FileWriteUTF16LE $1 '  <Principals><Principal id="Users"><GroupId>${USERS_SID}</GroupId><RunLevel>LeastPrivilege</RunLevel></Principal></Principals>$\r$\n'
  FileWriteUTF16LE $1 '  <Settings><MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy><DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries><StopIfGoingOnBatteries>false</StopIfGoingOnBatteries><StartWhenAvailable>true</StartWhenAvailable><RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable><Enabled>true</Enabled><ExecutionTimeLimit>PT30M</ExecutionTimeLimit></Settings>$\r$\n'
  FileWriteUTF16LE $1 '  <Actions Context="Users"><Exec><Command>"$INSTDIR\xconn.exe"</Command><Arguments>refresh --all</Arguments></Exec></Actions>$\r$\n'
  FileWriteUTF16LE $1 '</Task>$\r$\n'
  FileClose $1
  nsExec::ExecToLog 'schtasks /Create /F /TN "${TASK}" /XML "$INSTDIR\keepalive.xml"'
  Pop $0
  ${If} $0 != 0
    StrCpy $Problems "$Problems$\r$\n- The daily keep-alive task was not created (schtasks exit $0): connections unused for 60 days will need authorizing again."
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

  ${If} $Problems != ""
    DetailPrint "xconn is installed, but:$Problems"
    MessageBox MB_ICONEXCLAMATION "xconn is installed, but:$Problems" /SD IDOK
    SetErrorLevel 2
  ${EndIf}
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\xconn.lnk" "$INSTDIR\xconn.exe" "" "$INSTDIR\xconn.ico" 0 SW_SHOWNORMAL "" "Xero connections"
SectionEnd

Section "Uninstall"
  Call un.CloseRunningXconn
  nsExec::ExecToLog 'schtasks /Delete /F /TN "${TASK}"'
  Pop $0
  Delete "$SMPROGRAMS\xconn.lnk"
  Delete "$DESKTOP\xconn.lnk"
  Delete "$INSTDIR\xconn.exe"
  Delete "$INSTDIR\xconn-cli.exe"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\xconn.ico"
  Delete "$INSTDIR\keepalive.xml"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  ; $APPDATA\xconn (the shared connection list) and the group xconn-admins are kept on purpose:
  ; reinstalling brings the connections and their administrators back. Tokens are in each
  ; user's Credential Manager ("xconn" entries).
SectionEnd
