#ifndef QUORUM_CCMARKGFM_SHIM_H
#define QUORUM_CCMARKGFM_SHIM_H
/* Swift's module map needs a header beside it; this one pulls in cmark-gfm
 * (Debian's libcmark-gfm-dev and libcmark-gfm-extensions-dev). Their public
 * headers are in /usr/include itself (the ones in /usr/include/cmark-gfm/
 * are the library's internals), which the compiler searches anyway: no
 * pkg-config needed. Linked statically, so no symbol is imported. */
#define CMARK_GFM_STATIC_DEFINE 1
#define CMARK_GFM_EXTENSIONS_STATIC_DEFINE 1
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#endif
