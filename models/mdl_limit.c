/*
 * mdl_limit.c - the names of the kinds of limit; see mdl_limit.h.
 */
#include "mdl_limit.h"

#include <string.h>

static const struct {
    const char *name, *label;
} kinds[MDL_LIMIT_NKINDS] = {
    [MDL_LIMIT_QUOTA] = {"quota", "API quota"},
    [MDL_LIMIT_BULK_BATCHES] = {"bulk_batches", "bulk batches"},
    [MDL_LIMIT_BULK_RECORDS] = {"bulk_records", "bulk records"},
    [MDL_LIMIT_ALLOCATION] = {"allocation", "event allocation"},
    [MDL_LIMIT_CALLER_POOL] = {"caller_pool", "caller pool"},
};

const char *mdl_limit_kind_name(mdl_limit_kind k)
{
    return k >= 0 && k < MDL_LIMIT_NKINDS ? kinds[k].name : "limit";
}

const char *mdl_limit_kind_label(mdl_limit_kind k)
{
    return k >= 0 && k < MDL_LIMIT_NKINDS ? kinds[k].label : "limit";
}

int mdl_limit_kind_parse(const char *name)
{
    for (int k = 0; name && k < MDL_LIMIT_NKINDS; k++)
        if (!strcmp(kinds[k].name, name))
            return k;
    return -1;
}
