/*
 * vtep-dp.c: the datapath provider registry and the thin layer that
 * forwards to the provider in use.
 */
#include <config.h>
#include "vtep-dp.h"

#include <errno.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"
#include "vtep-dp-provider.h"

static const struct vtep_dp_class *const dp_classes[] = {
    &vtep_dp_user_class,
    &vtep_dp_dummy_class,
};

static const struct vtep_dp_class *
lookup_class(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(dp_classes); i++) {
        if (!strcmp(dp_classes[i]->type, type)) {
            return dp_classes[i];
        }
    }
    return NULL;
}

bool
vtep_dp_type_is_known(const char *type)
{
    return lookup_class(type) != NULL;
}

/* Appends the known types to 'out', separated by '|'. */
void
vtep_dp_types(struct ds *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(dp_classes); i++) {
        ds_put_format(out, "%s%s", i ? "|" : "", dp_classes[i]->type);
    }
}

int
vtep_dp_open(const char *type, const struct vtep_dp_config *cfg,
             struct vtep_dp **dpp)
{
    const struct vtep_dp_class *class = lookup_class(type);
    *dpp = NULL;
    if (!class) {
        return EAFNOSUPPORT;
    }
    int error = class->open(cfg, dpp);
    if (!error) {
        (*dpp)->class = class;
        (*dpp)->name = xstrdup(cfg->name);
    }
    return error;
}

void
vtep_dp_close(struct vtep_dp *dp)
{
    if (dp) {
        char *name = dp->name;
        dp->class->close(dp);
        free(name);
    }
}

const char *
vtep_dp_type(const struct vtep_dp *dp)
{
    return dp->class->type;
}

void
vtep_dp_run(struct vtep_dp *dp)
{
    if (dp->class->run) {
        dp->class->run(dp);
    }
}

void
vtep_dp_wait(struct vtep_dp *dp)
{
    if (dp->class->wait) {
        dp->class->wait(dp);
    }
}

int
vtep_dp_ls_set(struct vtep_dp *dp, const struct vtep_dp_ls *ls)
{
    return dp->class->ls_set(dp, ls);
}

int
vtep_dp_ls_del(struct vtep_dp *dp, uint32_t vni)
{
    return dp->class->ls_del(dp, vni);
}

int
vtep_dp_binding_add(struct vtep_dp *dp, const char *port, uint16_t vlan,
                    uint32_t vni)
{
    return dp->class->binding_add(dp, port, vlan, vni);
}

int
vtep_dp_binding_del(struct vtep_dp *dp, const char *port, uint16_t vlan)
{
    return dp->class->binding_del(dp, port, vlan);
}

int
vtep_dp_ucast_set(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac,
                  ovs_be32 remote)
{
    return dp->class->ucast_set(dp, vni, mac, remote);
}

int
vtep_dp_ucast_del(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac)
{
    return dp->class->ucast_del(dp, vni, mac);
}

int
vtep_dp_flood_set(struct vtep_dp *dp, uint32_t vni, struct eth_addr mac,
                  const ovs_be32 *remotes, size_t n_remotes)
{
    return dp->class->flood_set(dp, vni, mac, remotes, n_remotes);
}

size_t
vtep_dp_learned_poll(struct vtep_dp *dp, struct vtep_dp_learned *events,
                     size_t max)
{
    return dp->class->learned_poll ? dp->class->learned_poll(dp, events, max)
                                   : 0;
}

int
vtep_dp_binding_stats(struct vtep_dp *dp, const char *port, uint16_t vlan,
                      struct vtep_dp_binding_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    return (dp->class->binding_stats
            ? dp->class->binding_stats(dp, port, vlan, stats)
            : EOPNOTSUPP);
}

void
vtep_dp_format_stats(struct vtep_dp *dp, struct ds *out)
{
    if (dp->class->format_stats) {
        dp->class->format_stats(dp, out);
    }
}

void
vtep_dp_batch_begin(struct vtep_dp *dp)
{
    if (dp->class->batch_begin) {
        dp->class->batch_begin(dp);
    }
}

void
vtep_dp_batch_commit(struct vtep_dp *dp, vtep_dp_failure_cb *cb, void *aux)
{
    if (dp->class->batch_commit) {
        dp->class->batch_commit(dp, cb, aux);
    }
}

unsigned int
vtep_dp_budget_ms(const struct vtep_dp *dp)
{
    return dp->class->budget_ms;
}

bool
vtep_dp_can_dump(const struct vtep_dp *dp)
{
    return dp->class->dump != NULL;
}

void
vtep_dp_dump(struct vtep_dp *dp, const struct vtep_dp_visitor *visitor,
             void *aux)
{
    if (dp->class->dump) {
        dp->class->dump(dp, visitor, aux);
    }
}

bool
vtep_dp_need_resync(struct vtep_dp *dp)
{
    return dp->class->need_resync && dp->class->need_resync(dp);
}

void
vtep_dp_cleanup(struct vtep_dp *dp)
{
    if (dp->class->cleanup) {
        dp->class->cleanup(dp);
    }
}
