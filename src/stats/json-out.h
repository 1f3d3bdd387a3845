/* JSON output of ktstr-stats: built with JsonBuilder and printed by the
 * records module's serde-like printer (ktstr_sidecar_node_to_data), so that
 * every ktstr JSON document shares one layout and number format. */
#ifndef KTSTR_STATS_JSON_OUT_H
#define KTSTR_STATS_JSON_OUT_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Adds VALUE, or null when VALUE is NULL. */
void ktstr_stats_json_add_string (JsonBuilder *builder, const char *value);
/* set_member_name + value, for the common cases. */
void ktstr_stats_json_member_string (JsonBuilder *builder, const char *name, const char *value);
void ktstr_stats_json_member_double (JsonBuilder *builder, const char *name, double value);
void ktstr_stats_json_member_int (JsonBuilder *builder, const char *name, gint64 value);
/* A computed statistic (mean, p-value, interval bound): rounded to 6
 * significant digits, which is more than any of them is worth and keeps
 * the documents small and quick to print; null when not finite. */
void ktstr_stats_json_member_statistic (JsonBuilder *builder, const char *name, double value);
/* The document, newline-terminated; unrefs BUILDER. */
char *ktstr_stats_json_finish (JsonBuilder *builder);

G_END_DECLS

#endif
