#ifndef QUORUM_CLIBGIT2_SHIM_H
#define QUORUM_CLIBGIT2_SHIM_H
/* Swift's module map needs a header beside it; this one pulls in libgit2. */
#include <git2.h>

/* git_libgit2_opts is variadic, which Swift cannot call: the options Quorum
 * sets, one wrapper each. */

/* The CA certificates https verifies servers against: a bundle file, a
 * directory of hashed certificates, or both (NULL: not that one). Replaces
 * the ones set before. */
static inline int quorum_git_set_ssl_cert_locations(const char *file, const char *path)
{
	return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}
#endif
