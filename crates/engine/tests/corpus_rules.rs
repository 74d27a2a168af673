//! The real rules of the public corpus (`../shared/corpus/hydrationkit/Templates`:
//! 43 Entra ID dynamic group rules and 24 Intune filter rules, in the kit's
//! `{"groups": [...]}` and `{"filters": [...]}` wrappers): every rule parses, and for
//! every pair of rules within one file the decision procedure gives the answer
//! this table states. The table was checked by hand, pair by pair: for example
//! the Windows 10 and Windows 11 groups are disjoint and both within Windows
//! devices; the Dell and HP filters are disjoint; Autopilot and non-Autopilot
//! devices are disjoint; and `iOS iPadOS Devices`, whose rule tests
//! `deviceOSType` for `iOS` or `iPad`, is disjoint from `iPhone Devices`
//! (`iPhone`), as its rule says. Where the procedure cannot prove what is true,
//! the table says what it answers, which is sound: `Android Enterprise Devices`
//! (`deviceOSType -match "AndroidEnterprise"`) is within `Android Devices`
//! (`-match "Android"`), but containment between regular expressions over an
//! open set of OS types is not decided, so the pair is `possible`. Skipped when
//! the corpus is absent.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a malformed corpus file should fail the test loudly"
)]

use std::collections::BTreeMap;
use std::path::Path;

use preflight_engine::audience_formula::{Meeting, meeting};
use preflight_engine::audience_logic::Formula;
use preflight_parser::rule_language::{RuleLanguage, os_types_of_platform, parse_rule};

/// `first | second | answer`, per file (`## file`), in file order.
const EXPECTED: &str = "
## Autopilot-Groups.json
Intune - Autopilot Devices | Intune - Non-Autopilot Devices | disjoint
## Manufacturer-Groups.json
Intune - Dell Devices | Intune - HP Devices | disjoint
Intune - Dell Devices | Intune - Lenovo Devices | disjoint
Intune - Dell Devices | Intune - Microsoft Surface Devices | disjoint
Intune - Dell Devices | Intune - Apple Devices | disjoint
Intune - HP Devices | Intune - Lenovo Devices | disjoint
Intune - HP Devices | Intune - Microsoft Surface Devices | disjoint
Intune - HP Devices | Intune - Apple Devices | disjoint
Intune - Lenovo Devices | Intune - Microsoft Surface Devices | disjoint
Intune - Lenovo Devices | Intune - Apple Devices | disjoint
Intune - Microsoft Surface Devices | Intune - Apple Devices | disjoint
## OS-Groups.json
Intune - Windows Devices | Intune - Windows 10 Devices | second within first
Intune - Windows Devices | Intune - Windows 11 Devices | second within first
Intune - Windows Devices | Intune - Windows ConfigMgr Managed Devices | possible
Intune - Windows Devices | Intune - macOS Devices | disjoint
Intune - Windows Devices | Intune - macOS Corporate Devices | disjoint
Intune - Windows Devices | Intune - macOS BYOD Devices | disjoint
Intune - Windows Devices | Intune - iOS iPadOS Devices | disjoint
Intune - Windows Devices | Intune - iPhone Devices | disjoint
Intune - Windows Devices | Intune - iPhone Corporate Devices | disjoint
Intune - Windows Devices | Intune - iPhone BYOD Devices | disjoint
Intune - Windows Devices | Intune - iPad Devices | disjoint
Intune - Windows Devices | Intune - iPad Corporate Devices | disjoint
Intune - Windows Devices | Intune - iPad BYOD Devices | disjoint
Intune - Windows Devices | Intune - Android Devices | disjoint
Intune - Windows Devices | Intune - Android Corporate Devices | disjoint
Intune - Windows Devices | Intune - Android BYOD Devices | disjoint
Intune - Windows Devices | Intune - Android Enterprise Devices | disjoint
Intune - Windows Devices | Intune - Android Work Profile Devices | disjoint
Intune - Windows Devices | Intune - Android Fully Managed Devices | disjoint
Intune - Windows 10 Devices | Intune - Windows 11 Devices | disjoint
Intune - Windows 10 Devices | Intune - Windows ConfigMgr Managed Devices | possible
Intune - Windows 10 Devices | Intune - macOS Devices | disjoint
Intune - Windows 10 Devices | Intune - macOS Corporate Devices | disjoint
Intune - Windows 10 Devices | Intune - macOS BYOD Devices | disjoint
Intune - Windows 10 Devices | Intune - iOS iPadOS Devices | disjoint
Intune - Windows 10 Devices | Intune - iPhone Devices | disjoint
Intune - Windows 10 Devices | Intune - iPhone Corporate Devices | disjoint
Intune - Windows 10 Devices | Intune - iPhone BYOD Devices | disjoint
Intune - Windows 10 Devices | Intune - iPad Devices | disjoint
Intune - Windows 10 Devices | Intune - iPad Corporate Devices | disjoint
Intune - Windows 10 Devices | Intune - iPad BYOD Devices | disjoint
Intune - Windows 10 Devices | Intune - Android Devices | disjoint
Intune - Windows 10 Devices | Intune - Android Corporate Devices | disjoint
Intune - Windows 10 Devices | Intune - Android BYOD Devices | disjoint
Intune - Windows 10 Devices | Intune - Android Enterprise Devices | disjoint
Intune - Windows 10 Devices | Intune - Android Work Profile Devices | disjoint
Intune - Windows 10 Devices | Intune - Android Fully Managed Devices | disjoint
Intune - Windows 11 Devices | Intune - Windows ConfigMgr Managed Devices | possible
Intune - Windows 11 Devices | Intune - macOS Devices | disjoint
Intune - Windows 11 Devices | Intune - macOS Corporate Devices | disjoint
Intune - Windows 11 Devices | Intune - macOS BYOD Devices | disjoint
Intune - Windows 11 Devices | Intune - iOS iPadOS Devices | disjoint
Intune - Windows 11 Devices | Intune - iPhone Devices | disjoint
Intune - Windows 11 Devices | Intune - iPhone Corporate Devices | disjoint
Intune - Windows 11 Devices | Intune - iPhone BYOD Devices | disjoint
Intune - Windows 11 Devices | Intune - iPad Devices | disjoint
Intune - Windows 11 Devices | Intune - iPad Corporate Devices | disjoint
Intune - Windows 11 Devices | Intune - iPad BYOD Devices | disjoint
Intune - Windows 11 Devices | Intune - Android Devices | disjoint
Intune - Windows 11 Devices | Intune - Android Corporate Devices | disjoint
Intune - Windows 11 Devices | Intune - Android BYOD Devices | disjoint
Intune - Windows 11 Devices | Intune - Android Enterprise Devices | disjoint
Intune - Windows 11 Devices | Intune - Android Work Profile Devices | disjoint
Intune - Windows 11 Devices | Intune - Android Fully Managed Devices | disjoint
Intune - Windows ConfigMgr Managed Devices | Intune - macOS Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - macOS Corporate Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - macOS BYOD Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iOS iPadOS Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iPhone Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iPhone Corporate Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iPhone BYOD Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iPad Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iPad Corporate Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - iPad BYOD Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - Android Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - Android Corporate Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - Android BYOD Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - Android Enterprise Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - Android Work Profile Devices | possible
Intune - Windows ConfigMgr Managed Devices | Intune - Android Fully Managed Devices | possible
Intune - macOS Devices | Intune - macOS Corporate Devices | second within first
Intune - macOS Devices | Intune - macOS BYOD Devices | second within first
Intune - macOS Devices | Intune - iOS iPadOS Devices | disjoint
Intune - macOS Devices | Intune - iPhone Devices | disjoint
Intune - macOS Devices | Intune - iPhone Corporate Devices | disjoint
Intune - macOS Devices | Intune - iPhone BYOD Devices | disjoint
Intune - macOS Devices | Intune - iPad Devices | disjoint
Intune - macOS Devices | Intune - iPad Corporate Devices | disjoint
Intune - macOS Devices | Intune - iPad BYOD Devices | disjoint
Intune - macOS Devices | Intune - Android Devices | disjoint
Intune - macOS Devices | Intune - Android Corporate Devices | disjoint
Intune - macOS Devices | Intune - Android BYOD Devices | disjoint
Intune - macOS Devices | Intune - Android Enterprise Devices | disjoint
Intune - macOS Devices | Intune - Android Work Profile Devices | disjoint
Intune - macOS Devices | Intune - Android Fully Managed Devices | disjoint
Intune - macOS Corporate Devices | Intune - macOS BYOD Devices | disjoint
Intune - macOS Corporate Devices | Intune - iOS iPadOS Devices | disjoint
Intune - macOS Corporate Devices | Intune - iPhone Devices | disjoint
Intune - macOS Corporate Devices | Intune - iPhone Corporate Devices | disjoint
Intune - macOS Corporate Devices | Intune - iPhone BYOD Devices | disjoint
Intune - macOS Corporate Devices | Intune - iPad Devices | disjoint
Intune - macOS Corporate Devices | Intune - iPad Corporate Devices | disjoint
Intune - macOS Corporate Devices | Intune - iPad BYOD Devices | disjoint
Intune - macOS Corporate Devices | Intune - Android Devices | disjoint
Intune - macOS Corporate Devices | Intune - Android Corporate Devices | disjoint
Intune - macOS Corporate Devices | Intune - Android BYOD Devices | disjoint
Intune - macOS Corporate Devices | Intune - Android Enterprise Devices | disjoint
Intune - macOS Corporate Devices | Intune - Android Work Profile Devices | disjoint
Intune - macOS Corporate Devices | Intune - Android Fully Managed Devices | disjoint
Intune - macOS BYOD Devices | Intune - iOS iPadOS Devices | disjoint
Intune - macOS BYOD Devices | Intune - iPhone Devices | disjoint
Intune - macOS BYOD Devices | Intune - iPhone Corporate Devices | disjoint
Intune - macOS BYOD Devices | Intune - iPhone BYOD Devices | disjoint
Intune - macOS BYOD Devices | Intune - iPad Devices | disjoint
Intune - macOS BYOD Devices | Intune - iPad Corporate Devices | disjoint
Intune - macOS BYOD Devices | Intune - iPad BYOD Devices | disjoint
Intune - macOS BYOD Devices | Intune - Android Devices | disjoint
Intune - macOS BYOD Devices | Intune - Android Corporate Devices | disjoint
Intune - macOS BYOD Devices | Intune - Android BYOD Devices | disjoint
Intune - macOS BYOD Devices | Intune - Android Enterprise Devices | disjoint
Intune - macOS BYOD Devices | Intune - Android Work Profile Devices | disjoint
Intune - macOS BYOD Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iOS iPadOS Devices | Intune - iPhone Devices | disjoint
Intune - iOS iPadOS Devices | Intune - iPhone Corporate Devices | disjoint
Intune - iOS iPadOS Devices | Intune - iPhone BYOD Devices | disjoint
Intune - iOS iPadOS Devices | Intune - iPad Devices | second within first
Intune - iOS iPadOS Devices | Intune - iPad Corporate Devices | second within first
Intune - iOS iPadOS Devices | Intune - iPad BYOD Devices | second within first
Intune - iOS iPadOS Devices | Intune - Android Devices | disjoint
Intune - iOS iPadOS Devices | Intune - Android Corporate Devices | disjoint
Intune - iOS iPadOS Devices | Intune - Android BYOD Devices | disjoint
Intune - iOS iPadOS Devices | Intune - Android Enterprise Devices | disjoint
Intune - iOS iPadOS Devices | Intune - Android Work Profile Devices | disjoint
Intune - iOS iPadOS Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iPhone Devices | Intune - iPhone Corporate Devices | second within first
Intune - iPhone Devices | Intune - iPhone BYOD Devices | second within first
Intune - iPhone Devices | Intune - iPad Devices | disjoint
Intune - iPhone Devices | Intune - iPad Corporate Devices | disjoint
Intune - iPhone Devices | Intune - iPad BYOD Devices | disjoint
Intune - iPhone Devices | Intune - Android Devices | disjoint
Intune - iPhone Devices | Intune - Android Corporate Devices | disjoint
Intune - iPhone Devices | Intune - Android BYOD Devices | disjoint
Intune - iPhone Devices | Intune - Android Enterprise Devices | disjoint
Intune - iPhone Devices | Intune - Android Work Profile Devices | disjoint
Intune - iPhone Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iPhone Corporate Devices | Intune - iPhone BYOD Devices | disjoint
Intune - iPhone Corporate Devices | Intune - iPad Devices | disjoint
Intune - iPhone Corporate Devices | Intune - iPad Corporate Devices | disjoint
Intune - iPhone Corporate Devices | Intune - iPad BYOD Devices | disjoint
Intune - iPhone Corporate Devices | Intune - Android Devices | disjoint
Intune - iPhone Corporate Devices | Intune - Android Corporate Devices | disjoint
Intune - iPhone Corporate Devices | Intune - Android BYOD Devices | disjoint
Intune - iPhone Corporate Devices | Intune - Android Enterprise Devices | disjoint
Intune - iPhone Corporate Devices | Intune - Android Work Profile Devices | disjoint
Intune - iPhone Corporate Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iPhone BYOD Devices | Intune - iPad Devices | disjoint
Intune - iPhone BYOD Devices | Intune - iPad Corporate Devices | disjoint
Intune - iPhone BYOD Devices | Intune - iPad BYOD Devices | disjoint
Intune - iPhone BYOD Devices | Intune - Android Devices | disjoint
Intune - iPhone BYOD Devices | Intune - Android Corporate Devices | disjoint
Intune - iPhone BYOD Devices | Intune - Android BYOD Devices | disjoint
Intune - iPhone BYOD Devices | Intune - Android Enterprise Devices | disjoint
Intune - iPhone BYOD Devices | Intune - Android Work Profile Devices | disjoint
Intune - iPhone BYOD Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iPad Devices | Intune - iPad Corporate Devices | second within first
Intune - iPad Devices | Intune - iPad BYOD Devices | second within first
Intune - iPad Devices | Intune - Android Devices | disjoint
Intune - iPad Devices | Intune - Android Corporate Devices | disjoint
Intune - iPad Devices | Intune - Android BYOD Devices | disjoint
Intune - iPad Devices | Intune - Android Enterprise Devices | disjoint
Intune - iPad Devices | Intune - Android Work Profile Devices | disjoint
Intune - iPad Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iPad Corporate Devices | Intune - iPad BYOD Devices | disjoint
Intune - iPad Corporate Devices | Intune - Android Devices | disjoint
Intune - iPad Corporate Devices | Intune - Android Corporate Devices | disjoint
Intune - iPad Corporate Devices | Intune - Android BYOD Devices | disjoint
Intune - iPad Corporate Devices | Intune - Android Enterprise Devices | disjoint
Intune - iPad Corporate Devices | Intune - Android Work Profile Devices | disjoint
Intune - iPad Corporate Devices | Intune - Android Fully Managed Devices | disjoint
Intune - iPad BYOD Devices | Intune - Android Devices | disjoint
Intune - iPad BYOD Devices | Intune - Android Corporate Devices | disjoint
Intune - iPad BYOD Devices | Intune - Android BYOD Devices | disjoint
Intune - iPad BYOD Devices | Intune - Android Enterprise Devices | disjoint
Intune - iPad BYOD Devices | Intune - Android Work Profile Devices | disjoint
Intune - iPad BYOD Devices | Intune - Android Fully Managed Devices | disjoint
Intune - Android Devices | Intune - Android Corporate Devices | second within first
Intune - Android Devices | Intune - Android BYOD Devices | second within first
Intune - Android Devices | Intune - Android Enterprise Devices | possible
Intune - Android Devices | Intune - Android Work Profile Devices | second within first
Intune - Android Devices | Intune - Android Fully Managed Devices | second within first
Intune - Android Corporate Devices | Intune - Android BYOD Devices | disjoint
Intune - Android Corporate Devices | Intune - Android Enterprise Devices | disjoint
Intune - Android Corporate Devices | Intune - Android Work Profile Devices | disjoint
Intune - Android Corporate Devices | Intune - Android Fully Managed Devices | disjoint
Intune - Android BYOD Devices | Intune - Android Enterprise Devices | disjoint
Intune - Android BYOD Devices | Intune - Android Work Profile Devices | disjoint
Intune - Android BYOD Devices | Intune - Android Fully Managed Devices | disjoint
Intune - Android Enterprise Devices | Intune - Android Work Profile Devices | disjoint
Intune - Android Enterprise Devices | Intune - Android Fully Managed Devices | second within first
Intune - Android Work Profile Devices | Intune - Android Fully Managed Devices | disjoint
## Ownership-Groups.json
Intune - Corporate Owned Devices | Intune - BYOD Devices | disjoint
## User-Groups.json
Intune - Licensed Users | Intune - Update Ring Broad Users | unknown
## VM-Groups.json
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Azure Virtual Desktop (AVD) Named Devices | second within first
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Azure IaaS Virtual Machines | second within first
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Windows 365 Cloud PC Devices | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Microsoft Dev Box Devices | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Hyper-V Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - VMware Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - VirtualBox Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Parallels Desktop Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - QEMU KVM Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Devices | Intune - All Virtual Machines | first within second
Intune - Azure Virtual Desktop (AVD) Devices | Intune - Physical Devices Only | disjoint
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - Azure IaaS Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - Windows 365 Cloud PC Devices | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - Microsoft Dev Box Devices | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - Hyper-V Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - VMware Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - VirtualBox Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - Parallels Desktop Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - QEMU KVM Virtual Machines | possible
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - All Virtual Machines | first within second
Intune - Azure Virtual Desktop (AVD) Named Devices | Intune - Physical Devices Only | disjoint
Intune - Azure IaaS Virtual Machines | Intune - Windows 365 Cloud PC Devices | possible
Intune - Azure IaaS Virtual Machines | Intune - Microsoft Dev Box Devices | possible
Intune - Azure IaaS Virtual Machines | Intune - Hyper-V Virtual Machines | first within second
Intune - Azure IaaS Virtual Machines | Intune - VMware Virtual Machines | disjoint
Intune - Azure IaaS Virtual Machines | Intune - VirtualBox Virtual Machines | possible
Intune - Azure IaaS Virtual Machines | Intune - Parallels Desktop Virtual Machines | disjoint
Intune - Azure IaaS Virtual Machines | Intune - QEMU KVM Virtual Machines | possible
Intune - Azure IaaS Virtual Machines | Intune - All Virtual Machines | first within second
Intune - Azure IaaS Virtual Machines | Intune - Physical Devices Only | disjoint
Intune - Windows 365 Cloud PC Devices | Intune - Microsoft Dev Box Devices | possible
Intune - Windows 365 Cloud PC Devices | Intune - Hyper-V Virtual Machines | possible
Intune - Windows 365 Cloud PC Devices | Intune - VMware Virtual Machines | possible
Intune - Windows 365 Cloud PC Devices | Intune - VirtualBox Virtual Machines | possible
Intune - Windows 365 Cloud PC Devices | Intune - Parallels Desktop Virtual Machines | possible
Intune - Windows 365 Cloud PC Devices | Intune - QEMU KVM Virtual Machines | possible
Intune - Windows 365 Cloud PC Devices | Intune - All Virtual Machines | first within second
Intune - Windows 365 Cloud PC Devices | Intune - Physical Devices Only | disjoint
Intune - Microsoft Dev Box Devices | Intune - Hyper-V Virtual Machines | possible
Intune - Microsoft Dev Box Devices | Intune - VMware Virtual Machines | possible
Intune - Microsoft Dev Box Devices | Intune - VirtualBox Virtual Machines | possible
Intune - Microsoft Dev Box Devices | Intune - Parallels Desktop Virtual Machines | possible
Intune - Microsoft Dev Box Devices | Intune - QEMU KVM Virtual Machines | possible
Intune - Microsoft Dev Box Devices | Intune - All Virtual Machines | possible
Intune - Microsoft Dev Box Devices | Intune - Physical Devices Only | possible
Intune - Hyper-V Virtual Machines | Intune - VMware Virtual Machines | disjoint
Intune - Hyper-V Virtual Machines | Intune - VirtualBox Virtual Machines | possible
Intune - Hyper-V Virtual Machines | Intune - Parallels Desktop Virtual Machines | disjoint
Intune - Hyper-V Virtual Machines | Intune - QEMU KVM Virtual Machines | possible
Intune - Hyper-V Virtual Machines | Intune - All Virtual Machines | first within second
Intune - Hyper-V Virtual Machines | Intune - Physical Devices Only | disjoint
Intune - VMware Virtual Machines | Intune - VirtualBox Virtual Machines | possible
Intune - VMware Virtual Machines | Intune - Parallels Desktop Virtual Machines | possible
Intune - VMware Virtual Machines | Intune - QEMU KVM Virtual Machines | possible
Intune - VMware Virtual Machines | Intune - All Virtual Machines | first within second
Intune - VMware Virtual Machines | Intune - Physical Devices Only | disjoint
Intune - VirtualBox Virtual Machines | Intune - Parallels Desktop Virtual Machines | possible
Intune - VirtualBox Virtual Machines | Intune - QEMU KVM Virtual Machines | possible
Intune - VirtualBox Virtual Machines | Intune - All Virtual Machines | first within second
Intune - VirtualBox Virtual Machines | Intune - Physical Devices Only | disjoint
Intune - Parallels Desktop Virtual Machines | Intune - QEMU KVM Virtual Machines | possible
Intune - Parallels Desktop Virtual Machines | Intune - All Virtual Machines | first within second
Intune - Parallels Desktop Virtual Machines | Intune - Physical Devices Only | disjoint
Intune - QEMU KVM Virtual Machines | Intune - All Virtual Machines | possible
Intune - QEMU KVM Virtual Machines | Intune - Physical Devices Only | possible
Intune - All Virtual Machines | Intune - Physical Devices Only | disjoint
## Android-Filters.json
Android - Samsung Devices | Android - Google Pixel Devices | disjoint
Android - Samsung Devices | Android - Corporate Owned | possible
Android - Google Pixel Devices | Android - Corporate Owned | possible
## Windows-Manufacturer-Filters.json
Windows - Dell Devices | Windows - HP Devices | disjoint
Windows - Dell Devices | Windows - Lenovo Devices | disjoint
Windows - HP Devices | Windows - Lenovo Devices | disjoint
## Windows-VM-Filters.json
Windows - Azure Virtual Desktop (AVD) | Windows - Azure Virtual Desktop (AVD) Named | second within first
Windows - Azure Virtual Desktop (AVD) | Windows - Azure IaaS VMs | second within first
Windows - Azure Virtual Desktop (AVD) | Windows - Windows 365 Cloud PC | possible
Windows - Azure Virtual Desktop (AVD) | Windows - Microsoft Dev Box | possible
Windows - Azure Virtual Desktop (AVD) | Windows - Hyper-V VMs | possible
Windows - Azure Virtual Desktop (AVD) | Windows - VMware VMs | possible
Windows - Azure Virtual Desktop (AVD) | Windows - VirtualBox VMs | possible
Windows - Azure Virtual Desktop (AVD) | Windows - Parallels VMs | possible
Windows - Azure Virtual Desktop (AVD) | Windows - QEMU KVM VMs | possible
Windows - Azure Virtual Desktop (AVD) | Windows - All Virtual Machines | first within second
Windows - Azure Virtual Desktop (AVD) | Windows - Physical Devices Only | disjoint
Windows - Azure Virtual Desktop (AVD) Named | Windows - Azure IaaS VMs | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - Windows 365 Cloud PC | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - Microsoft Dev Box | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - Hyper-V VMs | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - VMware VMs | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - VirtualBox VMs | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - Parallels VMs | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - QEMU KVM VMs | possible
Windows - Azure Virtual Desktop (AVD) Named | Windows - All Virtual Machines | first within second
Windows - Azure Virtual Desktop (AVD) Named | Windows - Physical Devices Only | disjoint
Windows - Azure IaaS VMs | Windows - Windows 365 Cloud PC | possible
Windows - Azure IaaS VMs | Windows - Microsoft Dev Box | possible
Windows - Azure IaaS VMs | Windows - Hyper-V VMs | first within second
Windows - Azure IaaS VMs | Windows - VMware VMs | disjoint
Windows - Azure IaaS VMs | Windows - VirtualBox VMs | possible
Windows - Azure IaaS VMs | Windows - Parallels VMs | disjoint
Windows - Azure IaaS VMs | Windows - QEMU KVM VMs | possible
Windows - Azure IaaS VMs | Windows - All Virtual Machines | first within second
Windows - Azure IaaS VMs | Windows - Physical Devices Only | disjoint
Windows - Windows 365 Cloud PC | Windows - Microsoft Dev Box | possible
Windows - Windows 365 Cloud PC | Windows - Hyper-V VMs | possible
Windows - Windows 365 Cloud PC | Windows - VMware VMs | possible
Windows - Windows 365 Cloud PC | Windows - VirtualBox VMs | possible
Windows - Windows 365 Cloud PC | Windows - Parallels VMs | possible
Windows - Windows 365 Cloud PC | Windows - QEMU KVM VMs | possible
Windows - Windows 365 Cloud PC | Windows - All Virtual Machines | first within second
Windows - Windows 365 Cloud PC | Windows - Physical Devices Only | disjoint
Windows - Microsoft Dev Box | Windows - Hyper-V VMs | possible
Windows - Microsoft Dev Box | Windows - VMware VMs | possible
Windows - Microsoft Dev Box | Windows - VirtualBox VMs | possible
Windows - Microsoft Dev Box | Windows - Parallels VMs | possible
Windows - Microsoft Dev Box | Windows - QEMU KVM VMs | possible
Windows - Microsoft Dev Box | Windows - All Virtual Machines | possible
Windows - Microsoft Dev Box | Windows - Physical Devices Only | possible
Windows - Hyper-V VMs | Windows - VMware VMs | disjoint
Windows - Hyper-V VMs | Windows - VirtualBox VMs | possible
Windows - Hyper-V VMs | Windows - Parallels VMs | disjoint
Windows - Hyper-V VMs | Windows - QEMU KVM VMs | possible
Windows - Hyper-V VMs | Windows - All Virtual Machines | first within second
Windows - Hyper-V VMs | Windows - Physical Devices Only | disjoint
Windows - VMware VMs | Windows - VirtualBox VMs | possible
Windows - VMware VMs | Windows - Parallels VMs | possible
Windows - VMware VMs | Windows - QEMU KVM VMs | possible
Windows - VMware VMs | Windows - All Virtual Machines | first within second
Windows - VMware VMs | Windows - Physical Devices Only | disjoint
Windows - VirtualBox VMs | Windows - Parallels VMs | possible
Windows - VirtualBox VMs | Windows - QEMU KVM VMs | possible
Windows - VirtualBox VMs | Windows - All Virtual Machines | first within second
Windows - VirtualBox VMs | Windows - Physical Devices Only | disjoint
Windows - Parallels VMs | Windows - QEMU KVM VMs | possible
Windows - Parallels VMs | Windows - All Virtual Machines | first within second
Windows - Parallels VMs | Windows - Physical Devices Only | disjoint
Windows - QEMU KVM VMs | Windows - All Virtual Machines | possible
Windows - QEMU KVM VMs | Windows - Physical Devices Only | possible
Windows - All Virtual Machines | Windows - Physical Devices Only | disjoint
## iOS-Filters.json
iOS - iPhone Devices | iOS - iPad Devices | disjoint
iOS - iPhone Devices | iOS - Corporate Owned | possible
iOS - iPad Devices | iOS - Corporate Owned | possible
## macOS-Filters.json
macOS - Apple Devices | macOS - MacBook Devices | possible
macOS - Apple Devices | macOS - iMac Devices | possible
macOS - MacBook Devices | macOS - iMac Devices | disjoint
";

fn answer(meeting: &Meeting) -> &'static str {
    match meeting {
        Meeting::Disjoint => "disjoint",
        Meeting::Possible {
            first_within_second: true,
            second_within_first: true,
            ..
        } => "equivalent",
        Meeting::Possible {
            first_within_second: true,
            ..
        } => "first within second",
        Meeting::Possible {
            second_within_first: true,
            ..
        } => "second within first",
        Meeting::Possible { .. } => "possible",
        Meeting::Unknown { .. } => "unknown",
    }
}

/// Every rule of one kit file, as a formula: a filter's rule holds on devices of
/// the filter's platform only.
fn formulas(path: &Path, wrapper: &str, language: RuleLanguage) -> Vec<(String, Formula)> {
    let text = std::fs::read_to_string(path).expect("corpus file");
    let value: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).expect("corpus JSON");
    value[wrapper]
        .as_array()
        .expect("the kit's wrapper")
        .iter()
        .map(|item| {
            let name = item["displayName"].as_str().expect("a name").to_owned();
            let rule_text = item
                .get("membershipRule")
                .or_else(|| item.get("rule"))
                .and_then(serde_json::Value::as_str)
                .expect("a rule");
            let rule = parse_rule(language, rule_text)
                .unwrap_or_else(|error| panic!("`{name}` does not parse: {error:?}"));
            let mut formula = Formula::of_rule(&rule);
            if let Some(platform) = item["platform"].as_str() {
                formula = Formula::all(vec![
                    formula,
                    Formula::os_type_in(os_types_of_platform(platform)),
                ]);
            }
            (name, formula)
        })
        .collect()
}

#[test]
fn every_pair_of_real_rules_is_decided_as_the_table_says() {
    let templates =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/hydrationkit/Templates");
    if !templates.is_dir() {
        eprintln!("skipped: ../shared/corpus/hydrationkit is not present");
        return;
    }
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut file = String::new();
    for line in EXPECTED.lines().filter(|line| !line.trim().is_empty()) {
        match line.strip_prefix("## ") {
            Some(name) => {
                file = name.to_owned();
                expected.entry(file.clone()).or_default();
            }
            None => expected
                .entry(file.clone())
                .or_default()
                .push(line.to_owned()),
        }
    }
    let mut actual: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rules = 0;
    for (folder, wrapper, language) in [
        ("DynamicGroups", "groups", RuleLanguage::MembershipRule),
        ("Filters", "filters", RuleLanguage::FilterRule),
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(templates.join(folder))
            .expect("corpus folder")
            .map(|entry| entry.expect("entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let formulas = formulas(&path, wrapper, language);
            rules += formulas.len();
            let lines = actual.entry(name).or_default();
            for (index, (first_name, first)) in formulas.iter().enumerate() {
                for (second_name, second) in &formulas[index + 1..] {
                    let decided = meeting(first, second);
                    lines.push(format!(
                        "{first_name} | {second_name} | {}",
                        answer(&decided)
                    ));
                }
            }
        }
    }
    assert_eq!(rules, 67, "43 group rules and 24 filter rules");
    assert_eq!(actual.len(), expected.len(), "the table covers every file");
    for (file, lines) in &actual {
        let wanted = expected.get(file).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(lines.as_slice(), wanted, "{file}");
    }
}
