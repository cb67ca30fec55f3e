/* Files: whole-file reads, crash-safe writes, directories, paths. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

int file_read_all(const char *path, size_t max, char **data, size_t *len)
{
	struct buf b = { 0 };
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		err = buf_reserve(&b, 65536);
		if (err)
			break;
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		if (max && b.len > max) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		buf_free(&b);
		return err;
	}
	if (!b.data && buf_reserve(&b, 0))
		return -ENOMEM;
	b.data[b.len] = 0;
	*len = b.len;
	*data = b.data;
	return 0;
}

int fd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		if (fsync(fd))
			err = -errno;
		close(fd);
	}
	free(copy);
	return err;
}

int file_write_atomic(const char *path, const void *data, size_t len)
{
	struct buf tmp = { 0 };
	int fd, err;

	err = buf_printf(&tmp, "%s.tmp.%d", path, (int)getpid());
	if (err)
		return err;
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = fd_write_all(fd, data, len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp.data, path))
		err = -errno;
	if (err)
		unlink(tmp.data);
	else
		err = fsync_parent(path);
out:
	buf_free(&tmp);
	return err;
}

int dir_create(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return path_is_dir(tmp) ? 0 : -ENOTDIR;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -errno : 0;
}

int dir_remove_tree(const char *path)
{
	if (!path[0] || !strcmp(path, "/"))
		return -EINVAL;
	if (!path_exists(path))
		return 0;
	return nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool path_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

char *path_join(const char *dir, const char *name)
{
	struct buf b = { 0 };
	size_t dl = strlen(dir);

	if (buf_append(&b, dir, dl) ||
	    (dl && dir[dl - 1] != '/' && buf_putc(&b, '/')) ||
	    buf_puts(&b, name)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *path_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL, *res = NULL;

	if (strchr(prog, '/'))
		return path_is_executable(prog) ? strdup(prog) : NULL;
	dirs = strdup(path ? path :
			     "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	if (!dirs)
		return NULL;
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *cand = path_join(d, prog);

		if (cand && path_is_executable(cand)) {
			res = cand;
			break;
		}
		free(cand);
	}
	free(dirs);
	return res;
}

char *path_cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	struct buf b = { 0 };
	int err;

	if (xdg && xdg[0])
		err = buf_printf(&b, "%s/drmfuzz", xdg);
	else
		err = buf_printf(&b, "%s/.cache/drmfuzz",
				 home && home[0] ? home : "/tmp");
	if (err) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}
