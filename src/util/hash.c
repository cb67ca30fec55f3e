/* Hashes: SHA-1/SHA-256 in hex (OpenSSL), and fast 64-bit hashing (xxHash). */
#include "hash.h"

#include <errno.h>
#include <openssl/evp.h>
#include <xxhash.h>

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = 0;
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len,
		       char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(data, len, d, &n, md, NULL);
	to_hex(d, n, out);
}

void hash_sha1_hex(const void *data, size_t len, char out[41])
{
	digest_hex(EVP_sha1(), data, len, out);
}

void hash_sha256_hex(const void *data, size_t len, char out[65])
{
	digest_hex(EVP_sha256(), data, len, out);
}

int hash_sha256_init(struct hash_sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return -EINVAL;
	}
	h->ctx = ctx;
	return 0;
}

void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void hash_sha256_final(struct hash_sha256 *h, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_DigestFinal_ex(h->ctx, d, &n);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	to_hex(d, n, out);
}

uint64_t hash_xxh64(const void *data, size_t len, uint64_t seed)
{
	return XXH64(data, len, seed);
}
