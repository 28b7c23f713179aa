#pragma once

// Paths cross the seam as std::string holding the bytes of the name as the system spells it: on POSIX exactly the
// bytes of the file name (which need not be UTF-8: core/io/localpath.h round-trips them through QString); on
// Windows UTF-8, which the Win32 implementation turns into the UTF-16 of the *W functions (so a name such as
// "модель-é.safetensors" works whatever the ANSI code page is). Folders are separated by '/' on both ('\\' too on
// Windows).
