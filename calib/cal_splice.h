/*
 * cal_splice.h - a scenario's text with some flows' values replaced, and
 * every other byte as it was: `erpsim calibrate --into`.
 *
 * libyaml reads a document into events and drops its comments, so writing
 * a changed scenario back through it would lose every comment and the
 * author's layout. Instead the text is parsed once for positions only:
 * libyaml's marks give where each value of the flows starts and ends, and
 * the new text is the old one with the replacement values spliced in at
 * those positions. Everything outside the replaced values, comments
 * included (even a comment on the same line, after a replaced value), is
 * copied byte for byte.
 *
 *   a value that exists       is replaced where it stands, whatever its
 *                             form (plain, quoted, a named shape, a flow
 *                             or block list: the whole node is replaced;
 *                             comments between the items of a replaced
 *                             block list go with it);
 *   a key of `arrival` that   is added as a line after the block's last
 *   is missing                line, at the indentation of its keys;
 *   a missing `arrival`       is added after the flow's last line, at the
 *                             indentation of the flow's keys.
 * Adding a line needs a block mapping: a flow written in flow style
 * ({id: F-1, ...}) can have its existing values replaced but not a key
 * added (SIM_EINVAL says so).
 *
 * Positions: libyaml counts marks in characters (a UTF-8 sequence is one),
 * so they are converted to byte offsets before splicing.
 *
 * Checked by: tests/calib/test_cal_splice.c (the output compared byte for
 * byte with the expected text, and loaded with the scenario loader).
 */
#ifndef CAL_SPLICE_H
#define CAL_SPLICE_H

#include <stddef.h>

#include "cal_yaml.h"
#include "sim_err.h"

typedef struct cal_splice_item {
    const char *flow; /* the flow's id */
    cal_key key;
    const char *value; /* the new value's text, e.g. "2205/day" */
} cal_splice_item;

/* Splices the items into text[0..len) (a scenario named `name`, for
 * messages). *out receives a new NUL-terminated text (sim_free it) and
 * *out_len its length. SIM_EPARSE for text that is not YAML or not a
 * mapping with a `flows` list; SIM_EINVAL for a flow id not found (err
 * names the nearest), two items for one flow and key, or a key to add to
 * a flow-style mapping; SIM_ENOMEM. */
int cal_splice(const char *name, const char *text, size_t len, const cal_splice_item *items, int n,
               char **out, size_t *out_len, sim_err *err);

#endif
