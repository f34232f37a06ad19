#ifndef QUORUM_CLIBGIT2_SHIM_H
#define QUORUM_CLIBGIT2_SHIM_H
/* Swift's module map needs a header beside it; this one pulls in libgit2. */
#include <git2.h>
/* git_repository_set_config: a handle reads its config once (Repository.swift). */
#include <git2/sys/repository.h>
/* libssh2, which libgit2's ssh transport is built on (linked with it): its
 * known_hosts parser, for quorum_ssh_known_host below. */
#include <libssh2.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>

/* git_libgit2_opts is variadic, which Swift cannot call: the options Quorum
 * sets, one wrapper each. */

/* The CA certificates https verifies servers against: a bundle file, a
 * directory of hashed certificates, or both (NULL: not that one). Replaces
 * the ones set before. */
static inline int quorum_git_set_ssl_cert_locations(const char *file, const char *path)
{
	return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}

/* Has glibc's malloc keep what the process frees instead of handing it
 * back to the kernel at once (mallopt(3)'s trim and mmap thresholds, 64 MiB
 * each). libgit2 starts zlib anew for every object it reads or writes; its
 * ~256 KiB of tables, freed at the top of the heap, were returned and then
 * faulted in and zero-filled again page by page. For short-lived processes. */
static inline void quorum_keep_freed_memory(void)
{
#ifdef __GLIBC__
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
}

/* The largest blob libgit2 keeps in its object cache once read (bytes; 0,
 * its default, keeps none), so that a blob read twice in one process (a
 * merge reads each side's text, then Quorum's prose merge reads them
 * again) is inflated and hashed once. */
static inline int quorum_git_set_blob_cache_limit(size_t bytes)
{
	return git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_BLOB, bytes);
}

/* Whether libgit2 hashes each object it reads and checks the hash against
 * the object's id (libgit2's default: it does). */
static inline int quorum_git_set_strict_hash_verification(int enabled)
{
	return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}

/* What one known_hosts file says of an ssh host key. */
enum {
	QUORUM_KNOWN_HOST_UNREADABLE = -1, /* the file exists but cannot be read */
	QUORUM_KNOWN_HOST_NOT_LISTED = 0,  /* no entry for the host (or no file) */
	QUORUM_KNOWN_HOST_MATCH = 1,       /* the host is listed with this key */
	QUORUM_KNOWN_HOST_CHANGED = 2      /* the host is listed with another key of this type */
};

/* Looks `host` (at `port`: entries for a port other than 22 are written
 * "[host]:port") up in the known_hosts file `path`, as libgit2 does for
 * ~/.ssh/known_hosts: libssh2 parses each line (hashed "|1|" names and
 * patterns included) and compares the raw key of type `raw_type` (a
 * git_cert_ssh_raw_type_t; GIT_CERT_SSH_RAW_TYPE_UNKNOWN compares with
 * every entry of the host). Lines libssh2 cannot parse (markers such as
 * @cert-authority, key types it does not know) are skipped one by one, not
 * the rest of the file with them. */
static inline int quorum_ssh_known_host(const char *path, const char *host, int port, const char *key, size_t key_len, int raw_type)
{
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW;
	switch (raw_type) {
	case GIT_CERT_SSH_RAW_TYPE_RSA: mask |= LIBSSH2_KNOWNHOST_KEY_SSHRSA; break;
	case GIT_CERT_SSH_RAW_TYPE_DSS: mask |= LIBSSH2_KNOWNHOST_KEY_SSHDSS; break;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256: mask |= LIBSSH2_KNOWNHOST_KEY_ECDSA_256; break;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384: mask |= LIBSSH2_KNOWNHOST_KEY_ECDSA_384; break;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521: mask |= LIBSSH2_KNOWNHOST_KEY_ECDSA_521; break;
	case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519: mask |= LIBSSH2_KNOWNHOST_KEY_ED25519; break;
	default: break;
	}
	FILE *file = fopen(path, "r");
	if (!file)
		return errno == ENOENT || errno == ENOTDIR ? QUORUM_KNOWN_HOST_NOT_LISTED : QUORUM_KNOWN_HOST_UNREADABLE;
	int result = QUORUM_KNOWN_HOST_UNREADABLE;
	LIBSSH2_SESSION *session = libssh2_session_init_ex(NULL, NULL, NULL, NULL);
	LIBSSH2_KNOWNHOSTS *hosts = session ? libssh2_knownhost_init(session) : NULL;
	if (hosts) {
		char *line = NULL;
		size_t capacity = 0;
		ssize_t length;
		while ((length = getline(&line, &capacity, file)) >= 0)
			(void)libssh2_knownhost_readline(hosts, line, (size_t)length, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		free(line);
		if (!ferror(file)) {
			struct libssh2_knownhost *found = NULL;
			switch (libssh2_knownhost_checkp(hosts, host, port, key, key_len, mask, &found)) {
			case LIBSSH2_KNOWNHOST_CHECK_MATCH: result = QUORUM_KNOWN_HOST_MATCH; break;
			case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: result = QUORUM_KNOWN_HOST_CHANGED; break;
			case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: result = QUORUM_KNOWN_HOST_NOT_LISTED; break;
			default: break;
			}
		}
		libssh2_knownhost_free(hosts);
	}
	if (session)
		libssh2_session_free(session);
	fclose(file);
	return result;
}
#endif
