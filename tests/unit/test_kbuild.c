/* Unit tests: kernel config fragments, verification and the cache key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/kbuild.h"
#include "util/buf.h"
#include "util/datadir.h"
#include "util/fileio.h"

static void test_parse(void **state)
{
	const char *text = "# comment\n"
			   "CONFIG_A=y\n"
			   "# CONFIG_B is not set\n"
			   "CONFIG_C=\"str\"\n"
			   "garbage line\n"
			   "CONFIG_A=m\n"
			   "CONFIG_D=140";
	struct kconfig_opt *o;
	size_t n;

	(void)state;
	assert_int_equal(kconfig_parse(text, &o, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(o[0].name, "CONFIG_A");
	assert_string_equal(o[0].value, "m"); /* later overrides */
	assert_int_equal(o[0].line, 6);
	assert_string_equal(o[1].name, "CONFIG_B");
	assert_null(o[1].value);
	assert_string_equal(o[2].value, "\"str\"");
	assert_string_equal(o[3].value, "140");
	kconfig_free(o, n);
}

static void test_verify(void **state)
{
	const char *frag = "CONFIG_KCOV=y\n"
			   "CONFIG_KASAN=y\n"
			   "CONFIG_NOPE=y\n"
			   "# CONFIG_DRM_I915 is not set\n"
			   "# CONFIG_SOUND is not set\n"
			   "CONFIG_T=140\n";
	const char *cfg = "CONFIG_KCOV=y\n"
			  "# CONFIG_KASAN is not set\n"
			  "CONFIG_DRM_I915=y\n"
			  "CONFIG_T=120\n";
	struct kconfig_opt *f, *c;
	size_t nf, nc, bad;
	struct buf r = { 0 };

	(void)state;
	assert_int_equal(kconfig_parse(frag, &f, &nf), 0);
	assert_int_equal(kconfig_parse(cfg, &c, &nc), 0);
	bad = kconfig_verify(f, nf, c, nc, &r);
	assert_int_equal(bad, 4);
	assert_non_null(strstr(r.data, "CONFIG_KASAN=y: is not set"));
	assert_non_null(strstr(r.data, "CONFIG_NOPE=y: missing"));
	assert_non_null(strstr(r.data, "CONFIG_DRM_I915: requested off"));
	assert_non_null(strstr(r.data, "CONFIG_T=140: got 120"));
	assert_null(strstr(r.data, "CONFIG_SOUND"));
	assert_null(strstr(r.data, "CONFIG_KCOV"));
	buf_free(&r);
	kconfig_free(f, nf);
	kconfig_free(c, nc);
}

/* The shipped fragment asks for what the fuzzer relies on. */
static void test_fragment_contents(void **state)
{
	static const char *const need[] = {
		"CONFIG_KCOV",
		"CONFIG_KCOV_INSTRUMENT_ALL",
		"CONFIG_KCOV_ENABLE_COMPARISONS",
		"CONFIG_KASAN",
		"CONFIG_KASAN_GENERIC",
		"CONFIG_KASAN_INLINE",
		"CONFIG_PROVE_LOCKING",
		"CONFIG_DEBUG_ATOMIC_SLEEP",
		"CONFIG_FAULT_INJECTION",
		"CONFIG_FAILSLAB",
		"CONFIG_FAULT_INJECTION_DEBUG_FS",
		"CONFIG_DEBUG_FS",
		"CONFIG_DRM",
		"CONFIG_DRM_VGEM",
		"CONFIG_DRM_VKMS",
		"CONFIG_DRM_VIRTIO_GPU",
		"CONFIG_FB",
		"CONFIG_DRM_FBDEV_EMULATION",
		"CONFIG_DMABUF_HEAPS",
		"CONFIG_DMABUF_HEAPS_SYSTEM",
		"CONFIG_UDMABUF",
		"CONFIG_SW_SYNC",
		"CONFIG_VIRTIO_CONSOLE",
	};
	char *path = datadir_path("kernel/drmfuzz.config"), *text;
	struct kconfig_opt *o;
	size_t n, len;

	(void)state;
	assert_non_null(path);
	assert_int_equal(file_read_all(path, 0, &text, &len), 0);
	assert_int_equal(kconfig_parse(text, &o, &n), 0);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (!strcmp(o[j].name, need[i]))
				break;
		if (j == n)
			fail_msg("%s missing from the fragment", need[i]);
		assert_non_null(o[j].value);
		assert_string_equal(o[j].value, "y");
	}
	kconfig_free(o, n);
	free(text);
	free(path);
}

static void test_key(void **state)
{
	char k1[17], k2[17], k3[17];

	(void)state;
	kbuild_cache_key("linux-source-6.1_6.1.192-2", "CONFIG_A=y\n", 11, k1);
	kbuild_cache_key("linux-source-6.1_6.1.192-2", "CONFIG_A=y\n", 11, k2);
	kbuild_cache_key("linux-source-6.1_6.1.192-3", "CONFIG_A=y\n", 11, k3);
	assert_string_equal(k1, k2);
	assert_string_not_equal(k1, k3);
	assert_int_equal(strlen(k1), 16);
	/* Pinned: the key is sha256("drmfuzz-kernel-1\0" id "\0" frag). */
	kbuild_cache_key("x", "y", 1, k1);
	assert_string_equal(k1, "58b5befee36e5708");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_fragment_contents),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
