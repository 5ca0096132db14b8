/*-------------------------------------------------------------------------
 *
 * tier_file.c
 *		pict-repo tier copy between two 'file' stores: one file, copied so
 *		that a recorded copy always has its complete file.
 *
 * A worker takes a batch of copies (up to 32 files or 64 MiB) and, for
 * an identifier "d/e/name" of the source, in the target:
 *  1. opens every directory with O_NOFOLLOW from the store's location down
 *     (creating a missing one), so neither a ".." nor a symbolic link leads
 *     out of the store;
 *  2. writes the data to "d/e/.pict-repo-tmp.name", locked with flock() so
 *     that two runs never write one temporary file (the second skips the
 *     copy; a lock left by a killed run went with its process), truncated
 *     first (a killed run's leftover is overwritten);
 * (its write-out started at once with sync_file_range()), then for the
 * whole batch: one syncfs() makes every temporary file durable (one
 * device cache flush, not an fsync per file), and for each file:
 *  3. its size is compared with the source file's, which is also the size
 *     the copy records (checked before copying);
 *  4. renameat2(RENAME_NOREPLACE) puts it in place, never over another
 *     file: one with the same content there (a run killed between rename
 *     and record left it) is taken as the copy, any other is left alone and
 *     the copy fails;
 * then another syncfs() makes the renamed directory entries (and the
 * directories created for them) durable, and
 *  5. only then are the copies recorded, in one transaction (add_copy, or
 *     move_copy with --move, after whose commit the source files are
 *     deleted).
 * Killed anywhere before the commit, nothing of the batch is recorded and
 * the next run copies (or, finding the same file in place, just records)
 * it again; killed between the commit of move_copy and the deletion, a
 * source file is left behind, recorded nowhere.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tier.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

/* Open (creating when create) a store's location; 0, or -1 with why. */
int
tier_open_store_dir(TierStore *store, bool create, char *why, size_t len)
{
	const char *loc = store->location;

	if (loc[0] != '/')
	{
		snprintf(why, len, "the location of file store %s is not an absolute path: %s",
				 store->name, loc);
		return -1;
	}
	store->dirfd = open(loc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (store->dirfd < 0 && errno == ENOENT && create)
	{
		/* mkdir -p of the location, each level made durable in its parent. */
		char		path[PATH_MAX];

		if (strlen(loc) >= sizeof(path))
		{
			snprintf(why, len, "the location of store %s is too long", store->name);
			return -1;
		}
		strcpy(path, loc);
		for (char *p = path + 1;; p++)
		{
			if (*p == '/' || *p == '\0')
			{
				char		c = *p;

				*p = '\0';
				if (mkdir(path, 0777) == 0)
				{
					char	   *slash = strrchr(path, '/');
					int			pfd;

					*slash = '\0';
					pfd = open(slash == path ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
					*slash = '/';
					if (pfd >= 0)
					{
						fsync(pfd);
						close(pfd);
					}
				}
				else if (errno != EEXIST)
				{
					snprintf(why, len, "cannot create %s for store %s: %s", path, store->name,
							 strerror(errno));
					return -1;
				}
				*p = c;
				if (c == '\0')
					break;
			}
		}
		store->dirfd = open(loc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (store->dirfd < 0)
	{
		snprintf(why, len, "cannot open the location of store %s, %s: %s", store->name, loc,
				 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Open the directory that holds an identifier's file, walking down from the
 * store's location without following symbolic links, creating missing
 * directories when create.  Returns its fd (the caller closes it) with
 * *name the file's name in it, or -1 with errno set.
 */
static int
open_parent(const TierStore *store, const char *identifier, bool create, const char **name)
{
	int			fd = dup(store->dirfd);
	const char *p = identifier;

	if (fd < 0)
		return -1;
	for (;;)
	{
		const char *slash = strchr(p, '/');
		char		comp[NAME_MAX + 1];
		size_t		n;
		int			next;

		if (!slash)
			break;
		n = (size_t) (slash - p);
		if (n > NAME_MAX)
		{
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create)
		{
			/*
			 * Its entry becomes durable with the batch's second flush (the
			 * file system of its parent, which a new directory shares),
			 * before anything in it is recorded.
			 */
			if (mkdirat(fd, comp, 0777) != 0 && errno != EEXIST)
			{
				int			e = errno;

				close(fd);
				errno = e;
				return -1;
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
		{
			int			e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
		fd = next;
		p = slash + 1;
	}
	if (strlen(p) > NAME_MAX)
	{
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	*name = p;
	return fd;
}

/* Copy the whole of src into dst (both at offset 0); 0, or -1 with errno. */
static int
copy_data(int src, int dst, int64_t size, char *buf, size_t buflen)
{
	int64_t		left = size;
	bool		plain = false;

	while (left > 0)
	{
		ssize_t		n;

		if (!plain)
		{
			n = copy_file_range(src, NULL, dst, NULL, (size_t) left, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
						  errno == EOPNOTSUPP || errno == EPERM))
			{
				plain = true;
				continue;
			}
		}
		else
		{
			ssize_t		r = read(src, buf, buflen < (size_t) left ? buflen : (size_t) left);

			if (r <= 0)
				n = r;
			else
			{
				ssize_t		w = 0;

				while (w < r)
				{
					ssize_t		k = write(dst, buf + w, (size_t) (r - w));

					if (k < 0 && errno == EINTR)
						continue;
					if (k <= 0)
						return -1;
					w += k;
				}
				n = r;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
		{
			errno = EIO;		/* the source shrank under us */
			return -1;
		}
		left -= n;
	}
	return 0;
}

/* True when the file name in dir has exactly the content of src. */
static bool
same_content(int dir, const char *name, int src, int64_t size, char *buf, size_t buflen)
{
	int			fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	bool		same = false;
	size_t		half = buflen / 2;
	int64_t		off = 0;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size)
	{
		same = true;
		while (same && off < size)
		{
			size_t		want = (size_t) (size - off) < half ? (size_t) (size - off) : half;
			ssize_t		a = pread(src, buf, want, off);
			ssize_t		b = pread(fd, buf + half, want, off);

			if (a != (ssize_t) want || b != (ssize_t) want || memcmp(buf, buf + half, want) != 0)
				same = false;
			off += (int64_t) want;
		}
	}
	close(fd);
	return same;
}

/* Delete a file of a store (after move_copy forgot it); a warning if it fails. */
void
tier_delete_file(const TierStore *store, const char *identifier, const TierItem *item)
{
	const char *name;
	const char *problem = tier_identifier_problem(identifier);
	int			dir;

	if (problem)
	{
		tier_item_warn(item, "not deleting the source file %s: %s", identifier, problem);
		return;
	}
	dir = open_parent(store, identifier, false, &name);
	if (dir < 0 || (unlinkat(dir, name, 0) != 0 && errno != ENOENT))
		tier_item_warn(item, "the copy moved, but its old file was not deleted: %s",
					   strerror(errno));
	if (dir >= 0)
		close(dir);
}

/*
 * Open (or create) the temporary file in dir, locked.  Returns its fd, -1
 * with errno, or -2 when another process holds its lock.
 */
static int
open_temporary(int dir, const char *tmp, mode_t mode)
{
	for (int tries = 0; tries < 5; tries++)
	{
		int			fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
		struct stat a,
					b;

		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		{
			int			e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				return -2;
			errno = e;
			return -1;
		}

		/*
		 * The name may have been renamed into place by its last holder
		 * between our open and our lock: then this is someone's finished
		 * file, not a temporary one.  Open the name again.
		 */
		if (fstat(fd, &a) == 0 && fstatat(dir, tmp, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
			a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

/* One file of a batch on its way from the source store to the target store. */
typedef struct FileCopy
{
	const TierItem *item;
	int			ddir;			/* the target's directory, or -1 */
	int			src;
	int			dst;			/* the locked temporary file, or -1 */
	const char *dname;			/* the file's name in ddir */
	char		tmp[NAME_MAX + 1];
	int64_t		size;
} FileCopy;

/* Close what a FileCopy holds; with drop, its temporary file goes too. */
static void
release(FileCopy *fc, bool drop)
{
	if (fc->dst >= 0)
	{
		if (drop)
			unlinkat(fc->ddir, fc->tmp, 0);
		close(fc->dst);			/* releases the lock */
	}
	if (fc->src >= 0)
		close(fc->src);
	if (fc->ddir >= 0)
		close(fc->ddir);
	fc->dst = fc->src = fc->ddir = -1;
}

/*
 * Steps 1-2 for one file: check the source, write the locked temporary
 * file (not yet durable).  TIER_DONE when it is written.
 */
static TierOutcome
write_temporary(TierRun *run, FileCopy *fc, char *buf, size_t buflen)
{
	const TierItem *item = fc->item;
	const char *problem = tier_identifier_problem(item->identifier);
	const char *sname;
	int			sdir;
	struct stat st;

	if (problem)
	{
		tier_item_warn(item, "refused: the identifier would leave the store's location: %s",
					   problem);
		return TIER_FAILED;
	}
	sdir = open_parent(&run->from, item->identifier, false, &sname);
	if (sdir >= 0)
	{
		fc->src = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(sdir);
	}
	if (fc->src < 0)
	{
		tier_item_warn(item, "cannot open the source file: %s", strerror(errno));
		return TIER_FAILED;
	}
	if (fstat(fc->src, &st) != 0 || !S_ISREG(st.st_mode))
	{
		tier_item_warn(item, "the source is not a regular file");
		return TIER_FAILED;
	}
	if (st.st_size != item->bytes)
	{
		tier_item_warn(item, "the source file has %lld bytes, its copy records %lld",
					   (long long) st.st_size, (long long) item->bytes);
		return TIER_FAILED;
	}
	fc->size = st.st_size;
	if ((fc->ddir = open_parent(&run->to, item->identifier, true, &fc->dname)) < 0)
	{
		tier_item_warn(item, "cannot open the target directory: %s", strerror(errno));
		return TIER_FAILED;
	}
	/* The temporary name keeps its prefix; a long name is cut to fit. */
	snprintf(fc->tmp, sizeof(fc->tmp), "%s%.*s", TIER_TMP_PREFIX,
			 (int) (NAME_MAX - strlen(TIER_TMP_PREFIX)), fc->dname);
	fc->dst = open_temporary(fc->ddir, fc->tmp, st.st_mode & 0777);
	if (fc->dst == -2)
	{
		fc->dst = -1;
		if (run->verbose)
			tier_item_warn(item, "another run is copying this file: left to it");
		return TIER_SKIPPED;
	}
	if (fc->dst < 0)
	{
		tier_item_warn(item, "cannot create the temporary file: %s", strerror(errno));
		return TIER_FAILED;
	}
	if (ftruncate(fc->dst, 0) != 0 || copy_data(fc->src, fc->dst, fc->size, buf, buflen) != 0)
	{
		tier_item_warn(item, "cannot write the temporary file: %s", strerror(errno));
		return TIER_FAILED;
	}
	/* Start writing it out now; flush_batch waits for it. */
	(void) sync_file_range(fc->dst, 0, 0, SYNC_FILE_RANGE_WRITE);
	return TIER_DONE;
}

/*
 * Make the batch durable: with dirs false, every written temporary file,
 * with dirs true the directories they were renamed in.  One syncfs() per
 * file system the batch touches (they have been writing out since
 * sync_file_range() in write_temporary): a device cache flush per batch
 * rather than one per file and per directory, which is what an fsync()
 * each costs (1.5 to 3 times slower on this project's machine).  The price:
 * syncfs() also writes out what other programs left dirty on that file
 * system.  (Beyond 8 file systems in one batch, the others are not told
 * apart: one syncfs() per file.)  false if one fails.
 */
static bool
flush_batch(FileCopy *fcs, int n, const TierOutcome *outs, bool dirs)
{
	dev_t		done[8];
	int			ndone = 0;

	for (int i = 0; i < n; i++)
	{
		struct stat st;
		int			fd = dirs ? fcs[i].ddir : fcs[i].dst;
		bool		seen = false;

		if (outs[i] != TIER_DONE || fd < 0)
			continue;
		if (fstat(fd, &st) != 0)
			return false;
		for (int k = 0; k < ndone && !seen; k++)
			seen = done[k] == st.st_dev;
		if (seen)
			continue;
		if (ndone < 8)
		{
			if (syncfs(fd) != 0)
				return false;
			done[ndone++] = st.st_dev;
		}
		else if (syncfs(fd) != 0)
			return false;
	}
	return true;
}

/*
 * Steps 3-4 for one written file: check the durable size and put it in
 * place without replacing anything.  TIER_DONE when it is in place.
 */
static TierOutcome
put_in_place(FileCopy *fc, char *buf, size_t buflen)
{
	const TierItem *item = fc->item;
	struct stat written;
	int			e = 0;

	if (fstat(fc->dst, &written) != 0 || written.st_size != fc->size)
	{
		tier_item_warn(item, "the temporary file has %lld bytes instead of %lld",
					   (long long) written.st_size, (long long) fc->size);
		return TIER_FAILED;
	}
	if (renameat2(fc->ddir, fc->tmp, fc->ddir, fc->dname, RENAME_NOREPLACE) != 0)
	{
		e = errno;
		/* A file system without RENAME_NOREPLACE: link() does not replace either. */
		if (e == EINVAL || e == ENOSYS)
			e = linkat(fc->ddir, fc->tmp, fc->ddir, fc->dname, 0) == 0 ? 0 : errno;
		if (e == EEXIST)
		{
			if (!same_content(fc->ddir, fc->dname, fc->src, fc->size, buf, buflen))
			{
				tier_item_warn(item, "the target file exists with other content: left alone");
				return TIER_FAILED;
			}
			/* A run killed after its rename left it: it is our copy. */
		}
		else if (e != 0)
		{
			tier_item_warn(item, "cannot rename the temporary file into place: %s", strerror(e));
			return TIER_FAILED;
		}
		unlinkat(fc->ddir, fc->tmp, 0);
	}
	close(fc->dst);				/* renamed: no temporary file left to drop */
	fc->dst = -1;
	return TIER_DONE;
}

/*
 * Copy a batch of files from the source store to the target store and
 * record them: every file written to its temporary file, all flushed at
 * once, checked and renamed into place, the directories flushed at once,
 * then every copy recorded in one transaction (tier_record_batch).  Sets
 * outs[i] for each item.
 */
void
tier_copy_files(TierRun *run, pr_conn *conn, TierItem **items, int n, TierOutcome *outs,
				char *buf, size_t buflen)
{
	FileCopy   *fcs = calloc((size_t) n, sizeof(FileCopy));
	const char **ids = calloc((size_t) n, sizeof(char *));
	char	  **olds = calloc((size_t) n, sizeof(char *));

	if (!fcs || !ids || !olds)
	{
		for (int i = 0; i < n; i++)
		{
			tier_item_warn(items[i], "out of memory");
			outs[i] = TIER_FAILED;
		}
		goto done;
	}
	for (int i = 0; i < n; i++)
	{
		fcs[i].item = items[i];
		fcs[i].ddir = fcs[i].src = fcs[i].dst = -1;
		ids[i] = items[i]->identifier;
		/* A drop has nothing to copy: the target holds it already. */
		outs[i] = items[i]->drop ? TIER_SKIPPED : write_temporary(run, &fcs[i], buf, buflen);
		if (outs[i] != TIER_DONE)
			release(&fcs[i], outs[i] == TIER_FAILED);
	}
	if (!flush_batch(fcs, n, outs, false))
	{
		for (int i = 0; i < n; i++)
			if (outs[i] == TIER_DONE)
			{
				tier_item_warn(items[i], "cannot flush the written files: %s", strerror(errno));
				outs[i] = TIER_FAILED;
				release(&fcs[i], true);
			}
	}
	for (int i = 0; i < n; i++)
		if (outs[i] == TIER_DONE && (outs[i] = put_in_place(&fcs[i], buf, buflen)) != TIER_DONE)
			release(&fcs[i], true);
	if (!flush_batch(fcs, n, outs, true))
	{
		for (int i = 0; i < n; i++)
			if (outs[i] == TIER_DONE)
			{
				tier_item_warn(items[i], "cannot flush the target directories: %s", strerror(errno));
				outs[i] = TIER_FAILED;
			}
	}
	for (int i = 0; i < n; i++)
	{
		release(&fcs[i], false);
		if (items[i]->drop)
			outs[i] = TIER_DONE;
	}

	/* Durable: now they may be recorded (and the drops forgotten). */
	tier_record_batch(run, conn, items, ids, n, outs, olds);
	for (int i = 0; i < n; i++)
		if (outs[i] == TIER_DONE && olds[i])
			tier_delete_file(&run->from, olds[i], items[i]);
done:
	if (olds)
		for (int i = 0; i < n; i++)
			pr_free(olds[i]);
	free(olds);
	free(ids);
	free(fcs);
}
