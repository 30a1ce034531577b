/*
 * physical.c: vtepd's own rows.
 *
 * The switch is what it says it is: on every pass with the database lock
 * held and no transaction in flight, this module compares our
 * Physical_Switch row (found by name) and its Physical_Port rows with the
 * configuration and writes only what differs, in the one transaction of
 * the pass: it creates the rows if missing (first start, or somebody
 * deleted them), adopts them if a controller or an operator created them
 * already (networking-l2gw expects them to exist), keeps exactly one
 * tunnel_ips value, lists the switch in Global.switches, and writes the
 * fault columns from the fault registry: only the columns whose vtep(5)
 * keys changed, or that somebody else wrote (lib/vtep-fault.h).  Rows of
 * other switches are never touched; ports an operator added to our switch
 * beyond --port are left alone.
 */
#include <config.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "sset.h"
#include "util.h"
#include "vtep-idl.h"
#include "vtepd/vtepd.h"

VLOG_DEFINE_THIS_MODULE(physical);

void
physical_register_columns(struct ovsdb_idl *idl)
{
    ovsdb_idl_add_table(idl, &vteprec_table_global);
    ovsdb_idl_add_column(idl, &vteprec_global_col_switches);

    ovsdb_idl_add_table(idl, &vteprec_table_physical_switch);
    ovsdb_idl_add_column(idl, &vteprec_physical_switch_col_name);
    ovsdb_idl_add_column(idl, &vteprec_physical_switch_col_description);
    ovsdb_idl_add_column(idl, &vteprec_physical_switch_col_management_ips);
    ovsdb_idl_add_column(idl, &vteprec_physical_switch_col_tunnel_ips);
    ovsdb_idl_add_column(idl, &vteprec_physical_switch_col_ports);
    ovsdb_idl_add_column(idl,
                         &vteprec_physical_switch_col_switch_fault_status);

    ovsdb_idl_add_table(idl, &vteprec_table_physical_port);
    ovsdb_idl_add_column(idl, &vteprec_physical_port_col_name);
    ovsdb_idl_add_column(idl, &vteprec_physical_port_col_description);
    ovsdb_idl_add_column(idl, &vteprec_physical_port_col_vlan_bindings);
    ovsdb_idl_add_column(idl, &vteprec_physical_port_col_port_fault_status);
}

const struct vteprec_physical_switch *
physical_find_switch(const struct vtepd_ctx *ctx)
{
    const struct vteprec_physical_switch *ps;
    VTEPREC_PHYSICAL_SWITCH_FOR_EACH (ps, ctx->idl) {
        if (ps->name && !strcmp(ps->name, ctx->cfg->name)) {
            return ps;
        }
    }
    return NULL;
}

bool
physical_is_our_port(const struct vtepd_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->cfg->n_ports; i++) {
        if (!strcmp(ctx->cfg->ports[i], name)) {
            return true;
        }
    }
    return false;
}

static const struct vteprec_physical_port *
find_port(const struct vteprec_physical_switch *ps, const char *name)
{
    for (size_t i = 0; ps && i < ps->n_ports; i++) {
        if (ps->ports[i]->name && !strcmp(ps->ports[i]->name, name)) {
            return ps->ports[i];
        }
    }
    return NULL;
}

/* True if the string set column 'values' holds exactly 'want'. */
static bool
strings_equal(char **values, size_t n, const struct sset *want)
{
    if (n != sset_count(want)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!sset_contains(want, values[i])) {
            return false;
        }
    }
    return true;
}

static void
sset_from_array(struct sset *set, char **values, size_t n)
{
    sset_init(set);
    for (size_t i = 0; i < n; i++) {
        sset_add(set, values[i]);
    }
}

/* Writes the identity columns of 'ps' that differ from the configuration.
 * 'new' says we just inserted it. */
static void
sync_switch_columns(struct vtepd_ctx *ctx,
                    const struct vteprec_physical_switch *ps, bool new)
{
    const struct vtepd_config *cfg = ctx->cfg;

    if (new) {
        vteprec_physical_switch_set_name(ps, cfg->name);
    }
    if (cfg->description
        && (new || strcmp(ps->description, cfg->description))) {
        vteprec_physical_switch_set_description(ps, cfg->description);
    }

    struct sset want;
    sset_from_array(&want, cfg->management_ips, cfg->n_management_ips);
    if (new || !strings_equal(ps->management_ips, ps->n_management_ips,
                              &want)) {
        vteprec_physical_switch_set_management_ips(
            ps, (const char **) cfg->management_ips, cfg->n_management_ips);
    }
    sset_destroy(&want);

    /* Exactly one tunnel IP: networking-l2gw reads zero or several as
     * none, and OVN takes the first. */
    if (new || ps->n_tunnel_ips != 1
        || strcmp(ps->tunnel_ips[0], cfg->tunnel_ip_s)) {
        if (!new) {
            VLOG_INFO("%s: setting tunnel_ips to %s", cfg->name,
                      cfg->tunnel_ip_s);
        }
        const char *ip = cfg->tunnel_ip_s;
        vteprec_physical_switch_set_tunnel_ips(ps, &ip, 1);
    }
}

/* Makes sure every configured port has a row in 'ps'.  An existing switch
 * row gets its new ports by mutation, so that ports other clients add at
 * the same time are not lost. */
static void
sync_ports(struct vtepd_ctx *ctx, const struct vteprec_physical_switch *ps,
           bool new)
{
    struct vteprec_physical_port **ports;
    size_t n = 0;

    ports = xmalloc((ctx->cfg->n_ports + 1) * sizeof *ports);
    for (size_t i = 0; i < ctx->cfg->n_ports; i++) {
        const char *name = ctx->cfg->ports[i];
        if (new || !find_port(ps, name)) {
            struct vteprec_physical_port *port;
            port = vteprec_physical_port_insert(ctx->txn);
            vteprec_physical_port_set_name(port, name);
            vteprec_physical_port_set_description(port,
                                                  "vtepd trunk port");
            ports[n++] = port;
        }
    }
    if (new) {
        vteprec_physical_switch_set_ports(ps, ports, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            VLOG_INFO("%s: creating Physical_Port row %s", ctx->cfg->name,
                      ports[i]->name);
            vteprec_physical_switch_update_ports_addvalue(ps, ports[i]);
        }
    }
    free(ports);
}

static void
sync_global(struct vtepd_ctx *ctx, const struct vteprec_physical_switch *ps)
{
    const struct vteprec_global *global = vteprec_global_first(ctx->idl);
    if (!global) {
        /* A database made with "ovsdb-tool create" and no "vtep-ctl init"
         * has no Global row; vtep-ctl and the controllers need one. */
        global = vteprec_global_insert(ctx->txn);
        VLOG_INFO("database has no Global row: creating it");
        struct vteprec_physical_switch *sw = CONST_CAST(
            struct vteprec_physical_switch *, ps);
        vteprec_global_set_switches(global, &sw, 1);
        return;
    }
    for (size_t i = 0; i < global->n_switches; i++) {
        if (global->switches[i] == ps) {
            return;
        }
    }
    vteprec_global_update_switches_addvalue(global, ps);
}

/* Makes the string set column 'have' hold exactly 'keys', with 'set', if
 * it does not already. */
static void
set_fault_column(struct vtepd_ctx *ctx, struct sset *keys, char **have,
                 size_t n_have,
                 void (*set)(const void *, const char **, size_t),
                 const void *row)
{
    ctx->n_fault_checks++;
    if (!strings_equal(have, n_have, keys)) {
        const char **array = sset_sort(keys);
        set(row, array, sset_count(keys));
        free(array);
        ctx->n_fault_writes++;
    }
}

static void
set_switch_faults(const void *row, const char **keys, size_t n)
{
    vteprec_physical_switch_set_switch_fault_status(row, keys, n);
}

static void
set_port_faults(const void *row, const char **keys, size_t n)
{
    vteprec_physical_port_set_port_fault_status(row, keys, n);
}

/* Notes the fault columns that somebody else may have written (or that are
 * new) since the last pass, from the IDL's change tracking, so that the
 * next sync looks at them: only at them, so a database change that touches
 * no fault column costs nothing here, and neither do vtepd's own writes
 * beyond one comparison each. */
static void
note_fault_columns(struct vtepd_ctx *ctx)
{
    const struct vteprec_physical_switch *ps;
    VTEPREC_PHYSICAL_SWITCH_FOR_EACH_TRACKED (ps, ctx->idl) {
        if (vteprec_physical_switch_is_deleted(ps) || !ps->name
            || strcmp(ps->name, ctx->cfg->name)) {
            continue;
        }
        bool new = vteprec_physical_switch_is_new(ps);
        if (new || vteprec_physical_switch_is_updated(
                ps, VTEPREC_PHYSICAL_SWITCH_COL_SWITCH_FAULT_STATUS)) {
            vtep_faults_mark_changed(&ctx->faults, NULL);
        }
        if (new || vteprec_physical_switch_is_updated(
                ps, VTEPREC_PHYSICAL_SWITCH_COL_PORTS)) {
            /* Our ports may be other rows now. */
            for (size_t i = 0; i < ctx->cfg->n_ports; i++) {
                vtep_faults_mark_changed(&ctx->faults, ctx->cfg->ports[i]);
            }
        }
    }

    const struct vteprec_physical_port *port;
    VTEPREC_PHYSICAL_PORT_FOR_EACH_TRACKED (port, ctx->idl) {
        if (!vteprec_physical_port_is_deleted(port) && port->name
            && physical_is_our_port(ctx, port->name)
            && (vteprec_physical_port_is_new(port)
                || vteprec_physical_port_is_updated(
                    port, VTEPREC_PHYSICAL_PORT_COL_PORT_FAULT_STATUS))) {
            vtep_faults_mark_changed(&ctx->faults, port->name);
        }
    }
}

/* Writes the fault columns whose keys changed (see vtep-fault.h), of our
 * switch and ports, from the registry. */
static void
sync_faults(struct vtepd_ctx *ctx, const struct vteprec_physical_switch *ps)
{
    char *name;
    while (vtep_faults_pop_changed(&ctx->faults, &name)) {
        struct sset keys = SSET_INITIALIZER(&keys);
        if (!name) {
            vtep_faults_switch_keys(&ctx->faults, &keys);
            set_fault_column(ctx, &keys, ps->switch_fault_status,
                             ps->n_switch_fault_status, set_switch_faults,
                             ps);
        } else if (physical_is_our_port(ctx, name)) {
            const struct vteprec_physical_port *port = find_port(ps, name);
            if (port) {
                vtep_faults_port_keys(&ctx->faults, name, &keys);
                set_fault_column(ctx, &keys, port->port_fault_status,
                                 port->n_port_fault_status, set_port_faults,
                                 port);
            }
            /* A port row that does not exist yet is new when it does, and
             * then noted again. */
        }
        sset_destroy(&keys);
        free(name);
    }
}

void
physical_run(struct vtepd_ctx *ctx)
{
    note_fault_columns(ctx);
    if (!ctx->txn || !ovsdb_idl_has_lock(ctx->idl)) {
        return;
    }

    const struct vteprec_physical_switch *ps = physical_find_switch(ctx);
    bool new = !ps;
    if (new) {
        if (ctx->switch_created) {
            VLOG_WARN("%s: Physical_Switch row was deleted: restoring it",
                      ctx->cfg->name);
            ctx->n_restores++;
        } else {
            VLOG_INFO("%s: creating Physical_Switch row", ctx->cfg->name);
        }
        ps = vteprec_physical_switch_insert(ctx->txn);
    }
    ctx->switch_created = true;

    sync_switch_columns(ctx, ps, new);
    sync_ports(ctx, ps, new);
    sync_global(ctx, ps);
    /* A new row's fault columns are written once the row is in the IDL
     * (note_fault_columns() sees it as new then). */
    if (!new) {
        sync_faults(ctx, ps);
    }
}

void
physical_format(const struct vtepd_ctx *ctx, struct ds *out)
{
    const struct vteprec_physical_switch *ps = physical_find_switch(ctx);
    ds_put_format(out, "ports:\n");
    for (size_t i = 0; i < ctx->cfg->n_ports; i++) {
        const char *name = ctx->cfg->ports[i];
        const struct vteprec_physical_port *port = find_port(ps, name);
        ds_put_format(out, "  %s: %s", name, port ? "in database"
                                                  : "not in database");
        if (port) {
            ds_put_format(out, ", %"PRIuSIZE" vlan bindings",
                          port->n_vlan_bindings);
            for (size_t j = 0; j < port->n_vlan_bindings; j++) {
                const struct vteprec_logical_switch *ls;
                ls = port->value_vlan_bindings[j];
                ds_put_format(out, "%s %"PRId64"=%s", j ? "," : ":",
                              port->key_vlan_bindings[j],
                              ls && ls->name ? ls->name : "?");
            }
            for (size_t j = 0; j < port->n_port_fault_status; j++) {
                ds_put_format(out, "%s%s", j ? "," : ", faults: ",
                              port->port_fault_status[j]);
            }
        }
        ds_put_char(out, '\n');
    }
    for (size_t i = 0; ps && i < ps->n_ports; i++) {
        const char *name = ps->ports[i]->name;
        if (name && !physical_is_our_port(ctx, name)) {
            ds_put_format(out, "  %s: in database, not a trunk port of this "
                          "vtepd (ignored)\n", name);
        }
    }
    ds_put_format(out, "fault columns: %llu checked, %llu written\n",
                  ctx->n_fault_checks, ctx->n_fault_writes);
}
