/* The manager config: syzkaller's JSON format, checked field by field. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"

/* ---- where each key is: jansson keeps no positions after parsing ---- */

struct key_pos {
	char *path; /* "vm.count" */
	int line;
};

struct key_scan {
	const char *p, *end;
	int line;
	VEC(struct key_pos) keys;
};

static void scan_ws(struct key_scan *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p)) {
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
}

static void scan_string(struct key_scan *s, struct buf *out)
{
	s->p++; /* opening quote */
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\' && s->p + 1 < s->end) {
			if (out)
				buf_append(out, s->p, 2);
			s->p += 2;
			continue;
		}
		if (out)
			buf_putc(out, *s->p);
		s->p++;
	}
	s->p++;
}

/* Records the line of every object key below @prefix; bounded by depth. */
static void scan_value(struct key_scan *s, const char *prefix, int depth)
{
	scan_ws(s);
	if (s->p >= s->end || depth > 64)
		return;
	if (*s->p == '"') {
		scan_string(s, NULL);
	} else if (*s->p == '{' || *s->p == '[') {
		char close = *s->p == '{' ? '}' : ']';
		int is_obj = *s->p == '{';

		s->p++;
		for (;;) {
			struct buf key = { 0 };

			scan_ws(s);
			if (s->p >= s->end || *s->p == close) {
				s->p++;
				return;
			}
			if (*s->p == ',') {
				s->p++;
				continue;
			}
			if (is_obj && *s->p == '"') {
				struct key_pos kp = { .line = s->line };
				struct buf path = { 0 };

				scan_string(s, &key);
				scan_ws(s);
				if (s->p < s->end && *s->p == ':')
					s->p++;
				buf_printf(&path, "%s%s%s", prefix,
					   prefix[0] ? "." : "",
					   key.data ? key.data : "");
				kp.path = buf_detach(&path);
				if (vec_push(&s->keys, kp))
					free(kp.path);
				scan_value(s, kp.path, depth + 1);
				buf_free(&key);
			} else {
				scan_value(s, prefix, depth + 1);
			}
		}
	} else {
		while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
			s->p++;
	}
}

static int key_line(const struct key_scan *s, const char *path)
{
	for (size_t i = 0; i < s->keys.n; i++)
		if (!strcmp(s->keys.v[i].path, path))
			return s->keys.v[i].line;
	return 0;
}

/* ---- the field table ---- */

enum field_kind {
	F_STR,
	F_INT,
	F_BOOL,
	F_STRS,
	F_OBJ_VM,
	F_ACCEPTED, /* syzkaller field drmfuzz accepts and does not use */
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t off;
	int min, max; /* F_INT */
};

#define MGR(f) offsetof(struct mgr_config, f)
#define VMF(f) offsetof(struct config_vm, f)

static const struct field mgr_fields[] = {
	{ "name", F_STR, MGR(name) },
	{ "target", F_STR, MGR(target) },
	{ "http", F_STR, MGR(http) },
	{ "workdir", F_STR, MGR(workdir) },
	{ "kernel_obj", F_STR, MGR(kernel_obj) },
	{ "kernel_src", F_STR, MGR(kernel_src) },
	{ "syzkaller", F_STR, MGR(syzkaller) },
	{ "sshkey", F_STR, MGR(sshkey) },
	{ "ssh_user", F_STR, MGR(ssh_user) },
	{ "sandbox", F_STR, MGR(sandbox) },
	{ "type", F_STR, MGR(type) },
	{ "procs", F_INT, MGR(procs), 1, 32 },
	{ "cover", F_BOOL, MGR(cover) },
	{ "reproduce", F_BOOL, MGR(reproduce) },
	{ "enable_syscalls", F_STRS, MGR(enable_syscalls) },
	{ "disable_syscalls", F_STRS, MGR(disable_syscalls) },
	{ "ignores", F_STRS, MGR(ignores) },
	{ "descriptions", F_STRS, MGR(descriptions) },
	{ "modules", F_STRS, MGR(modules) },
	{ "known_bugs", F_STR, MGR(known_bugs) },
	{ "vm", F_OBJ_VM, MGR(vm) },
	/* syzkaller fields with no drmfuzz equivalent yet: accepted quietly. */
	{ "image", F_ACCEPTED },
	{ "rpc", F_ACCEPTED },
	{ "hub_client", F_ACCEPTED },
	{ "hub_addr", F_ACCEPTED },
	{ "hub_key", F_ACCEPTED },
	{ "email_addrs", F_ACCEPTED },
	{ "dashboard_client", F_ACCEPTED },
	{ "dashboard_addr", F_ACCEPTED },
	{ "dashboard_key", F_ACCEPTED },
	{ "suppressions", F_ACCEPTED },
	{ "strace_bin", F_ACCEPTED },
	{ "raw_cover", F_ACCEPTED },
	{ "cover_filter", F_ACCEPTED },
	{ "experimental", F_ACCEPTED },
	{ "kernel_build_src", F_ACCEPTED },
	{ "android_split_build", F_ACCEPTED },
	{ "fuzzing_vms", F_ACCEPTED },
	{ "preserve_corpus", F_ACCEPTED },
	{ "corpus_preload", F_ACCEPTED },
	{ "sandbox_arg", F_ACCEPTED },
	{ "snapshot", F_ACCEPTED },
	{ "run_fsck", F_ACCEPTED },
	{ "tag", F_ACCEPTED },
	{ "kernel_subsystem", F_ACCEPTED },
	{ "bug_reporter", F_ACCEPTED },
	{ "asset_storage", F_ACCEPTED },
	{ "max_crash_logs", F_ACCEPTED },
	{ "hub_domain", F_ACCEPTED },
	{ "dashboard_only_repro", F_ACCEPTED },
	{ "dashboard_user", F_ACCEPTED },
	{ "ssh_user_key", F_ACCEPTED },
	{ "ssh_port", F_ACCEPTED },
	{ "noautomount", F_ACCEPTED },
	{ "enable_guest_networking", F_ACCEPTED },
};

static const struct field vm_fields[] = {
	{ "count", F_INT, VMF(count), 1, 256 },
	{ "cpu", F_INT, VMF(cpu), 1, 256 },
	{ "mem", F_INT, VMF(mem), 128, 1 << 20 },
	{ "kernel", F_STR, VMF(kernel) },
	{ "initrd", F_STR, VMF(initrd) },
	{ "cmdline", F_STR, VMF(cmdline) },
	{ "qemu", F_STR, VMF(qemu) },
	{ "qemu_args", F_STR, VMF(qemu_args) },
	{ "accel", F_STR, VMF(accel) },
	{ "targets", F_STRS, VMF(targets) },
	{ "target_dir", F_STR, VMF(target_dir) },
	{ "target_reboot", F_BOOL, VMF(target_reboot) },
	{ "pstore", F_BOOL, VMF(pstore) },
	/* qemu/isolated fields drmfuzz does not use */
	{ "image_device", F_ACCEPTED },
	{ "snapshot", F_ACCEPTED },
	{ "efi", F_ACCEPTED },
	{ "network_device", F_ACCEPTED },
	{ "timeout", F_ACCEPTED },
	{ "usb_device_num", F_ACCEPTED },
	{ "startup_script", F_ACCEPTED },
	{ "serial", F_ACCEPTED },
	{ "apple_silicon", F_ACCEPTED },
};

struct load_ctx {
	const char *file;
	const struct key_scan *scan;
	int errors;
};

static void field_error(struct load_ctx *c, const char *path, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));

static void field_error(struct load_ctx *c, const char *path, const char *fmt,
			...)
{
	struct buf msg = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_err("%s:%d: %s: %s", c->file, key_line(c->scan, path), path,
		msg.data ? msg.data : "");
	buf_free(&msg);
	c->errors++;
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static void strs_free(struct config_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void apply_object(struct load_ctx *c, json_t *obj, const char *prefix,
			 const struct field *fields, size_t n, void *base);

static void apply_field(struct load_ctx *c, const struct field *f, json_t *v,
			const char *path, void *base)
{
	char *at = (char *)base + f->off;

	switch (f->kind) {
	case F_ACCEPTED:
		log_debug("%s: field '%s' is accepted but not used by drmfuzz",
			  c->file, path);
		return;
	case F_STR:
		if (json_is_null(v))
			return;
		if (!json_is_string(v)) {
			field_error(c, path, "expected a string, got %s",
				    json_kind(v));
			return;
		}
		free(*(char **)at);
		*(char **)at = strdup(json_string_value(v));
		return;
	case F_INT: {
		json_int_t i;

		if (!json_is_integer(v)) {
			field_error(c, path, "expected an integer, got %s",
				    json_kind(v));
			return;
		}
		i = json_integer_value(v);
		if (i < f->min || i > f->max) {
			field_error(
				c, path,
				"expected an integer from %d to %d, got %lld",
				f->min, f->max, (long long)i);
			return;
		}
		*(int *)at = (int)i;
		return;
	}
	case F_BOOL:
		if (!json_is_boolean(v)) {
			field_error(c, path, "expected true or false, got %s",
				    json_kind(v));
			return;
		}
		*(bool *)at = json_is_true(v);
		return;
	case F_STRS: {
		struct config_strs *s = (struct config_strs *)at;
		size_t idx;
		json_t *e;

		if (json_is_null(v))
			return;
		if (!json_is_array(v)) {
			field_error(c, path,
				    "expected an array of strings, got %s",
				    json_kind(v));
			return;
		}
		strs_free(s);
		s->v = calloc(json_array_size(v) + 1, sizeof(char *));
		if (!s->v) {
			c->errors++;
			return;
		}
		json_array_foreach(v, idx, e)
		{
			if (!json_is_string(e)) {
				field_error(
					c, path,
					"expected an array of strings, element %zu is %s",
					idx, json_kind(e));
				continue;
			}
			s->v[s->n++] = strdup(json_string_value(e));
		}
		return;
	}
	case F_OBJ_VM:
		if (!json_is_object(v)) {
			field_error(c, path, "expected an object, got %s",
				    json_kind(v));
			return;
		}
		apply_object(c, v, path, vm_fields,
			     sizeof(vm_fields) / sizeof(vm_fields[0]), at);
		return;
	}
}

static void apply_object(struct load_ctx *c, json_t *obj, const char *prefix,
			 const struct field *fields, size_t n, void *base)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		struct buf path = { 0 };
		size_t i;

		buf_printf(&path, "%s%s%s", prefix, prefix[0] ? "." : "", key);
		for (i = 0; i < n; i++)
			if (!strcmp(fields[i].name, key))
				break;
		if (i == n)
			log_warn("%s:%d: unknown field '%s' (ignored)", c->file,
				 key_line(c->scan, path.data), path.data);
		else
			apply_field(c, &fields[i], v, path.data, base);
		buf_free(&path);
	}
}

/* Checks across fields, after all were read. */
static void check_config(struct load_ctx *c, struct mgr_config *cfg)
{
	if (strcmp(cfg->target, "linux/amd64"))
		field_error(
			c, "target",
			"expected \"linux/amd64\" (the only target drmfuzz supports), got \"%s\"",
			cfg->target);
	if (strcmp(cfg->sandbox, "none") && strcmp(cfg->sandbox, "setuid"))
		field_error(c, "sandbox",
			    "expected \"none\" or \"setuid\", got \"%s\"",
			    cfg->sandbox);
	if (strcmp(cfg->type, "qemu") && strcmp(cfg->type, "isolated"))
		field_error(c, "type",
			    "expected \"qemu\" or \"isolated\", got \"%s\"",
			    cfg->type);
	if (cfg->vm.accel && strcmp(cfg->vm.accel, "auto") &&
	    strcmp(cfg->vm.accel, "kvm") && strcmp(cfg->vm.accel, "tcg"))
		field_error(c, "vm.accel",
			    "expected \"auto\", \"kvm\" or \"tcg\", got \"%s\"",
			    cfg->vm.accel);
	if (!strcmp(cfg->type, "isolated") && cfg->vm.targets.n == 0)
		field_error(c, "vm.targets",
			    "expected at least one host for type \"isolated\"");
	if (!strchr(cfg->http, ':'))
		field_error(c, "http", "expected host:port, got \"%s\"",
			    cfg->http);
}

struct mgr_config *config_default(void)
{
	struct mgr_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->target = strdup("linux/amd64");
	c->http = strdup("127.0.0.1:56741");
	c->workdir = strdup("./workdir");
	c->sandbox = strdup("none");
	c->type = strdup("qemu");
	c->procs = 1;
	c->cover = true;
	c->reproduce = true;
	c->vm.count = 1;
	c->vm.cpu = 2;
	c->vm.mem = 2048;
	c->vm.qemu = strdup("qemu-system-x86_64");
	c->vm.accel = strdup("auto");
	if (!c->target || !c->http || !c->workdir || !c->sandbox || !c->type ||
	    !c->vm.qemu || !c->vm.accel) {
		config_free(c);
		return NULL;
	}
	return c;
}

int config_load_text(const char *name, const char *text,
		     struct mgr_config **out)
{
	struct key_scan scan = { .p = text,
				 .end = text + strlen(text),
				 .line = 1 };
	struct load_ctx c = { .file = name, .scan = &scan };
	struct mgr_config *cfg = NULL;
	json_error_t jerr;
	json_t *root;
	int err = 0;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		log_err("%s:%d:%d: %s", name, jerr.line, jerr.column,
			jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		log_err("%s:1: expected a JSON object at the top level, got %s",
			name, json_kind(root));
		err = -EINVAL;
		goto out;
	}
	scan_value(&scan, "", 0);
	cfg = config_default();
	if (!cfg) {
		err = -ENOMEM;
		goto out;
	}
	apply_object(&c, root, "", mgr_fields,
		     sizeof(mgr_fields) / sizeof(mgr_fields[0]), cfg);
	if (!c.errors)
		check_config(&c, cfg);
	if (c.errors) {
		err = -EINVAL;
		goto out;
	}
	cfg->path = strdup(name);
	*out = cfg;
	cfg = NULL;
out:
	for (size_t i = 0; i < scan.keys.n; i++)
		free(scan.keys.v[i].path);
	vec_free(&scan.keys);
	config_free(cfg);
	json_decref(root);
	return err;
}

int config_load(const char *path, struct mgr_config **out)
{
	char *text;
	size_t len;
	int err;

	err = file_read_all(path, 16 << 20, &text, &len);
	if (err) {
		log_err("%s: cannot read the config: %s", path, strerror(-err));
		return err;
	}
	if (strlen(text) != len) {
		log_err("%s: the config contains a NUL byte; expected JSON text",
			path);
		free(text);
		return -EINVAL;
	}
	err = config_load_text(path, text, out);
	free(text);
	return err;
}

void config_free(struct mgr_config *c)
{
	if (!c)
		return;
	char **strs[] = { &c->path,	  &c->name,	    &c->target,
			  &c->http,	  &c->workdir,	    &c->kernel_obj,
			  &c->kernel_src, &c->syzkaller,    &c->sshkey,
			  &c->ssh_user,	  &c->sandbox,	    &c->type,
			  &c->known_bugs, &c->vm.kernel,    &c->vm.initrd,
			  &c->vm.cmdline, &c->vm.qemu,	    &c->vm.qemu_args,
			  &c->vm.accel,	  &c->vm.target_dir };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	strs_free(&c->enable_syscalls);
	strs_free(&c->disable_syscalls);
	strs_free(&c->ignores);
	strs_free(&c->descriptions);
	strs_free(&c->modules);
	strs_free(&c->vm.targets);
	free(c);
}
