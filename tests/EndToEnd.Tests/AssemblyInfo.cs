using System.Runtime.Versioning;

// userkernel traces Linux x86-64 guests; these tests run it, chroot and mount, which exist only there.
[assembly: SupportedOSPlatform("linux")]
