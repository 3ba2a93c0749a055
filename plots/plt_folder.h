/*
 * plt_folder.h - a results folder replaced whole: the old run complete or
 * the new run complete, never a mix.
 *
 * A command that writes a folder DIR (run, report, plot, sweep, compare,
 * plan with --out) builds everything in a staging folder beside it,
 *   PARENT/.NAME.erpsim-tmp.HOST.PID
 * (same parent, so the same file system), and swaps it in at the end:
 *   - DIR absent: rename(2) the staging folder to DIR;
 *   - DIR present: renameat2(RENAME_EXCHANGE) swaps the two atomically
 *     (Linux >= 3.15 on ext4, xfs, btrfs, tmpfs ...), then the old folder,
 *     now under the staging name, is removed;
 *   - where the exchange is not supported (another system, or a file
 *     system that refuses it: EINVAL, ENOSYS, ENOTSUP): DIR is renamed to
 *     PARENT/.NAME.erpsim-old.HOST.PID, the staging folder to DIR, and the
 *     old one removed. For the instant between the two renames DIR is
 *     absent, never mixed; a crash there leaves the old folder under the
 *     -old name, which the next run puts back (below).
 * Guarantee: a reader of DIR sees the old folder complete or the new one
 * complete. A failure that the program sees (disk full, gnuplot killed, an
 * error) removes the staging folder and leaves DIR as it was. A process
 * killed outright (kill -9, power cut) leaves its staging folder behind;
 * the next command writing DIR removes every staging folder of DIR whose
 * process is gone (same HOST, PID no longer running), and puts an -old
 * folder back when DIR is missing. Durability across a power cut is not
 * promised (no fsync, as plt_file.h).
 *
 * Safety: a folder is only ever replaced or removed when it is one of
 * ours. plt_folder_begin accepts DIR when it does not exist, is empty, holds
 * the marker file PLT_FOLDER_MARKER (written into every folder built here),
 * or holds only names erpsim writes (folders from before the marker). It
 * refuses anything else with SIM_EINVAL and a message: an existing file, a
 * folder with other files (`--out ~`, `--out .` in a project), a mount
 * point, a read-only folder, a name with a character sim_text.h would
 * escape. A symbolic link
 * to a folder is followed: the folder it points to is replaced. Removal
 * never follows a symbolic link and never leaves the folder's file system.
 */
#ifndef PLT_FOLDER_H
#define PLT_FOLDER_H

#include "sim_err.h"

#define PLT_FOLDER_MARKER ".erpsim-results"

typedef struct plt_folder {
    char *path;  /* the folder as named, for messages */
    char *final; /* where it goes (a symbolic link followed) */
    char *tmp;   /* the staging folder: write everything here */
    int existed; /* final existed when begun */
} plt_folder;

/* Checks that path may become the results folder (see above), removes the
 * leftovers of dead processes beside it, and creates the staging folder
 * f->tmp with the marker in it. Returns SIM_OK; SIM_EINVAL when path is
 * unusable (not ours, a file, no permission to create beside it); SIM_EIO
 * when the disk refused (full, I/O error); SIM_ENOMEM. err says which. On
 * failure f holds nothing to release (plt_folder_fini is still allowed). */
int plt_folder_begin(plt_folder *f, const char *path, sim_err *err);

/* Copies the folder from (an earlier run's results) into the staging
 * folder, all but its charts/ folder: for redrawing the charts or the
 * report of a folder in place, where charts that are not drawn again must
 * be absent, not stale. SIM_EIO or SIM_ENOMEM on failure. */
int plt_folder_seed(plt_folder *f, const char *from, sim_err *err);

/* Swaps the staging folder in (see above). SIM_EIO on failure, and then
 * the folder is as it was before. */
int plt_folder_commit(plt_folder *f, sim_err *err);

/* Removes the staging folder if it was not committed, and frees f. */
void plt_folder_fini(plt_folder *f);

#endif
