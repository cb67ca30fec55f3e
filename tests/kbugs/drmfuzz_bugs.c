// SPDX-License-Identifier: GPL-2.0
/*
 * drmfuzz_bugs: a test module with known, planted bugs, so that drmfuzz's
 * reproduction and race/fault-injection fuzzing can be tested against a
 * real kernel. Never load it on a machine you care about.
 *
 * /dev/drmfuzz_bugs holds objects per open file, named by handles. The
 * bugs (one ioctl each, see tests/kbugs/README.md):
 *   1. BIND keeps a pointer to an object without a reference; DESTROY
 *      frees it; POKE writes through the stale pointer (use-after-free,
 *      needs CREATE, BIND, DESTROY, POKE in that order on one handle).
 *   2. RELEASE looks the object up, drops the lock while it "flushes", and
 *      removes and frees it afterwards: two threads releasing one handle
 *      at once free it twice (double free, only under a race).
 *   3. CREATE_PAIR frees the first allocation twice when the second one
 *      fails (double free, only when an allocation fails).
 *   4. CONFIGURE accepts a non-zero reserved field only for one magic
 *      value, and then writes past its buffer (out-of-bounds write, only
 *      behind a check of a reserved field).
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "drmfuzz_bugs.h"

struct dfb_obj {
	u32 size;
	u32 handle;
	u8 data[];
};

struct dfb_file {
	struct mutex lock;
	struct idr objs;
	struct dfb_obj *bound; /* not a reference: bug 1 */
};

static int dfb_open(struct inode *inode, struct file *f)
{
	struct dfb_file *df = kzalloc(sizeof(*df), GFP_KERNEL);

	if (!df)
		return -ENOMEM;
	mutex_init(&df->lock);
	idr_init(&df->objs);
	f->private_data = df;
	return 0;
}

static int dfb_free_obj(int id, void *p, void *data)
{
	kfree(p);
	return 0;
}

static int dfb_release(struct inode *inode, struct file *f)
{
	struct dfb_file *df = f->private_data;

	idr_for_each(&df->objs, dfb_free_obj, NULL);
	idr_destroy(&df->objs);
	kfree(df);
	return 0;
}

static struct dfb_obj *dfb_obj_new(u32 size)
{
	struct dfb_obj *obj;

	if (size < 8 || size > 4096)
		return ERR_PTR(-EINVAL);
	obj = kzalloc(sizeof(*obj) + size, GFP_KERNEL);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->size = size;
	return obj;
}

static int dfb_publish(struct dfb_file *df, struct dfb_obj *obj)
{
	int id;

	mutex_lock(&df->lock);
	id = idr_alloc(&df->objs, obj, 1, 0, GFP_KERNEL);
	if (id > 0)
		obj->handle = id;
	mutex_unlock(&df->lock);
	return id;
}

static struct dfb_obj *dfb_lookup(struct dfb_file *df, u32 handle)
{
	struct dfb_obj *obj;

	mutex_lock(&df->lock);
	obj = idr_find(&df->objs, handle);
	mutex_unlock(&df->lock);
	return obj;
}

static noinline long dfb_ioctl_create(struct dfb_file *df, void __user *uarg)
{
	struct dfb_create arg;
	struct dfb_obj *obj;
	int id;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	obj = dfb_obj_new(arg.size);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	id = dfb_publish(df, obj);
	if (id < 0) {
		kfree(obj);
		return id;
	}
	arg.handle = id;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static noinline long dfb_ioctl_bind(struct dfb_file *df, void __user *uarg)
{
	struct dfb_obj *obj;
	u32 handle;

	if (get_user(handle, (u32 __user *)uarg))
		return -EFAULT;
	obj = dfb_lookup(df, handle);
	if (!obj)
		return -ENOENT;
	mutex_lock(&df->lock);
	df->bound = obj;
	mutex_unlock(&df->lock);
	return 0;
}

static noinline long dfb_ioctl_destroy(struct dfb_file *df, void __user *uarg)
{
	struct dfb_obj *obj;
	u32 handle;

	if (get_user(handle, (u32 __user *)uarg))
		return -EFAULT;
	mutex_lock(&df->lock);
	obj = idr_remove(&df->objs, handle);
	mutex_unlock(&df->lock);
	if (!obj)
		return -ENOENT;
	kfree(obj); /* df->bound may still point here */
	return 0;
}

static noinline long dfb_ioctl_poke(struct dfb_file *df, void __user *uarg)
{
	struct dfb_poke arg;
	struct dfb_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	mutex_lock(&df->lock);
	obj = df->bound;
	if (obj)
		obj->data[arg.offset % obj->size] = (u8)arg.value;
	mutex_unlock(&df->lock);
	return obj ? 0 : -ENODEV;
}

static noinline long dfb_ioctl_release(struct dfb_file *df, void __user *uarg)
{
	struct dfb_obj *obj;
	u32 handle;

	if (get_user(handle, (u32 __user *)uarg))
		return -EFAULT;
	obj = dfb_lookup(df, handle);
	if (!obj)
		return -ENOENT;
	/* "Flush" without the lock: another RELEASE of the handle gets here. */
	usleep_range(200, 400);
	mutex_lock(&df->lock);
	idr_remove(&df->objs, handle);
	if (df->bound == obj)
		df->bound = NULL;
	mutex_unlock(&df->lock);
	kfree(obj);
	return 0;
}

static noinline long dfb_ioctl_create_pair(struct dfb_file *df,
					   void __user *uarg)
{
	struct dfb_create arg;
	struct dfb_obj *obj, *shadow;
	int id;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	obj = dfb_obj_new(arg.size);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	shadow = kzalloc(sizeof(*shadow) + obj->size, GFP_KERNEL);
	if (!shadow) {
		kfree(obj);
		goto err; /* frees obj again */
	}
	kfree(shadow);
	id = dfb_publish(df, obj);
	if (id < 0)
		goto err;
	arg.handle = id;
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
err:
	kfree(obj);
	return -ENOMEM;
}

static noinline long dfb_ioctl_configure(struct dfb_file *df, void __user *uarg)
{
	struct dfb_config arg;
	u8 *buf;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~DFB_CONFIG_FLAGS)
		return -EINVAL;
	if (arg.reserved != 0 && arg.reserved != DFB_CONFIG_MAGIC)
		return -EINVAL;
	buf = kzalloc(16, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (arg.reserved == DFB_CONFIG_MAGIC)
		memset(buf, 0xaa, 16 + (arg.value & 0xf) + 1);
	else
		buf[arg.value & 0xf] = (u8)arg.flags;
	kfree(buf);
	return 0;
}

static long dfb_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct dfb_file *df = f->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case DFB_IOCTL_CREATE:
		return dfb_ioctl_create(df, uarg);
	case DFB_IOCTL_BIND:
		return dfb_ioctl_bind(df, uarg);
	case DFB_IOCTL_DESTROY:
		return dfb_ioctl_destroy(df, uarg);
	case DFB_IOCTL_POKE:
		return dfb_ioctl_poke(df, uarg);
	case DFB_IOCTL_RELEASE:
		return dfb_ioctl_release(df, uarg);
	case DFB_IOCTL_CREATE_PAIR:
		return dfb_ioctl_create_pair(df, uarg);
	case DFB_IOCTL_CONFIGURE:
		return dfb_ioctl_configure(df, uarg);
	}
	return -ENOTTY;
}

static const struct file_operations dfb_fops = {
	.owner = THIS_MODULE,
	.open = dfb_open,
	.release = dfb_release,
	.unlocked_ioctl = dfb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice dfb_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "drmfuzz_bugs",
	.fops = &dfb_fops,
	.mode = 0666,
};

module_misc_device(dfb_dev);
MODULE_DESCRIPTION("drmfuzz test module with planted bugs");
MODULE_LICENSE("GPL");
