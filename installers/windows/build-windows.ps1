# Build genba's Windows MSI on a Windows build host (x64). NOT run or tested on the Linux build
# machine: no Windows CPython, no MSVC and no Windows llama-cpp-python wheel can be had there.
# See installers/README.md for what was verified where.
#
# Needs: Python 3.11+ (py launcher), Visual Studio Build Tools with the C++ workload and CMake,
# WiX Toolset v3.14 (heat/candle/light on PATH), the Windows SDK's signtool.exe when signing.
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build-windows.ps1
#   ... -CertificatePath C:\keys\genba.pfx   (password in $env:GENBA_SIGN_PASSWORD)
param(
    [string]$Version = "",
    [string]$CertificatePath = "",
    [string]$TimestampUrl = "http://timestamp.digicert.com",
    [string]$OutDir = "build\dist"
)
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

# 1. A clean virtualenv for the freeze (never the developer's).
$Venv = "build\venv-windows"
if (-not (Test-Path "$Venv\Scripts\python.exe")) { Invoke-Checked "py" @("-3.11", "-m", "venv", $Venv) }
$Py = "$Venv\Scripts\python.exe"
Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "--upgrade", "pip")

# 2. llama-cpp-python built portable with MSVC: the same flags as scripts/build-llama.sh (no
#    -march=native / /arch:AVX2 for the build machine; one CPU backend DLL per x86 level, picked
#    by a self-test at run time). --no-cache-dir: pip's cache is keyed by version only and would
#    hand back a wheel built with other flags.
$LlamaVersion = (Select-String -Path "scripts\build-llama.sh" -Pattern '^VERSION=(.+)$').Matches[0].Groups[1].Value
$env:CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON"
Invoke-Checked $Py @("-m", "pip", "install", "--no-cache-dir", "--force-reinstall", "--no-deps", "llama-cpp-python==$LlamaVersion")
Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "llama-cpp-python==$LlamaVersion")
$Backends = Get-ChildItem -Recurse "$Venv\Lib\site-packages" -Filter "ggml-cpu-*.dll"
if (-not ($Backends | Where-Object { $_.Name -like "*sse42*" })) {
    throw "llama-cpp-python has no portable CPU backends (ggml-cpu-sse42.dll); refusing a native build"
}

# 3. genba itself, its compiled translations, and the PyInstaller folder.
Invoke-Checked $Py @("-m", "pip", "install", "--quiet", "-e", ".[gui,package]")
Invoke-Checked $Py @("-m", "desktop.i18n_build")
Invoke-Checked "$Venv\Scripts\pyinstaller.exe" @("--noconfirm", "--log-level", "WARN",
    "--distpath", "build\dist-windows", "--workpath", "build\work-windows", "installers\genba.spec")
$Payload = "build\dist-windows\genba"
foreach ($exe in @("genba.exe", "genba-desktop.exe")) {
    if (-not (Test-Path "$Payload\$exe")) { throw "the freeze has no $exe" }
}
# Smoke test of the frozen console program before packaging it.
Invoke-Checked "$Payload\genba.exe" @("inspect")

# 4. Authenticode: the programs first, the MSI after it is built.
function Sign([string[]]$Files) {
    if (-not $CertificatePath) { Write-Host "not signed (no -CertificatePath)"; return }
    Invoke-Checked "signtool.exe" (@("sign", "/fd", "SHA256", "/f", $CertificatePath,
        "/p", $env:GENBA_SIGN_PASSWORD, "/tr", $TimestampUrl, "/td", "SHA256") + $Files)
}
Sign @("$Payload\genba.exe", "$Payload\genba-desktop.exe")

# 5. The MSI from the same WiX source that wixl builds on Linux (installers/windows/genba.wxs).
if (-not $Version) {
    $Version = (Select-String -Path "pyproject.toml" -Pattern '^version = "(.+)"$').Matches[0].Groups[1].Value
}
$TaskXml = @(Get-ChildItem "installers\windows\*.xml")
if ($TaskXml.Count -ne 1) { throw "expected exactly one update task definition installers\windows\*.xml" }
$Obj = "build\wix"
New-Item -ItemType Directory -Force $Obj, $OutDir | Out-Null
Invoke-Checked "heat.exe" @("dir", $Payload, "-cg", "CG.Payload", "-dr", "ProgramDir",
    "-var", "var.PayloadDir", "-srd", "-ag", "-sfrag", "-sreg", "-scom", "-nologo",
    "-out", "$Obj\payload.wxs")
Invoke-Checked "candle.exe" @("-nologo", "-arch", "x64", "-dVersion=$Version",
    "-dPayloadDir=$Payload", "-dTaskXml=$($TaskXml[0].FullName)", "-dWin64=yes",
    "-out", "$Obj\", "installers\windows\genba.wxs", "$Obj\payload.wxs")
$Msi = "$OutDir\genba-$Version-x64.msi"
Invoke-Checked "light.exe" @("-nologo", "-out", $Msi, "$Obj\genba.wixobj", "$Obj\payload.wixobj")
Sign @($Msi)

$Item = Get-Item $Msi
$Hash = (Get-FileHash -Algorithm SHA256 $Msi).Hash.ToLower()
Write-Host "$Msi  $($Item.Length) bytes  sha256 $Hash"

# 6. Install cycle on this host (a clean VM is better): install, check, uninstall.
#    Exit codes: 0 ok, 3010 ok but reboot needed, 1603 fatal (see the log), 1638 another
#    version of this product is installed.
#    msiexec /i $Msi /qn /l*v build\install.log UPDATE_REPOSITORY=https://updates.example/genba/
#    schtasks /Query /TN "genba\update"
#    msiexec /x $Msi /qn /l*v build\uninstall.log
