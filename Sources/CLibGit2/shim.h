#ifndef QUORUM_CLIBGIT2_SHIM_H
#define QUORUM_CLIBGIT2_SHIM_H
/* Swift's module map needs a header beside it; this one pulls in libgit2. */
#include <git2.h>
#endif
