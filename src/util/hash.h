/* Hashes: SHA-1/SHA-256 in hex (OpenSSL), and fast 64-bit hashing (xxHash). */
#ifndef DRMFUZZ_UTIL_HASH_H
#define DRMFUZZ_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex digests, NUL-terminated. */
void hash_sha1_hex(const void *data, size_t len, char out[41]);
void hash_sha256_hex(const void *data, size_t len, char out[65]);

/* Incremental SHA-256 over several pieces. */
struct hash_sha256 {
	void *ctx;
};
int hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len);
/* Writes the hex digest and frees the context. */
void hash_sha256_final(struct hash_sha256 *h, char out[65]);

uint64_t hash_xxh64(const void *data, size_t len, uint64_t seed);

#endif
