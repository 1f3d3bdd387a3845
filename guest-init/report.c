#include "config.h"

#include "guest-init/report.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/proto.h"
#include "guest-init/json.h"

static int
send_line (KtstrCtrl *c, KtstrJson *j)
{
  ktstr_json_end (j);
  int r = -1;
  if (j->failed)
    ktstr_diag ("internal error: could not build a JSON message (out of memory?)");
  else
    r = ktstr_ctrl_write (c, j->buf, j->len);
  ktstr_json_clear (j);
  return r;
}

int
ktstr_report_hello (KtstrCtrl *c, uint64_t uptime_ms, const char *kernel)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "hello");
  ktstr_json_u64 (&j, "proto", KTSTR_PROTO_VERSION);
  ktstr_json_u64 (&j, "uptime_ms", uptime_ms);
  ktstr_json_str (&j, "kernel", kernel);
  return send_line (c, &j);
}

static void
cpuset_array (KtstrJson *j, const char *key, const KtstrCpuSet *s)
{
  ktstr_json_array_open (j, key);
  ktstr_cpuset_foreach (cpu, s) { ktstr_json_u64 (j, NULL, (uint64_t)cpu); }
  ktstr_json_array_close (j);
}

int
ktstr_report_topo (KtstrCtrl *c, const KtstrTopo *t)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "topo");
  ktstr_json_u64 (&j, "cpus", t->n_cpus);
  ktstr_json_array_open (&j, "llcs");
  for (unsigned i = 0; i < t->n_llcs; i++)
    cpuset_array (&j, NULL, &t->llcs[i]);
  ktstr_json_array_close (&j);
  ktstr_json_array_open (&j, "numa");
  for (unsigned i = 0; i < t->n_nodes; i++)
    cpuset_array (&j, NULL, &t->nodes[i]);
  ktstr_json_array_close (&j);
  ktstr_json_u64 (&j, "smt", t->smt);
  return send_line (c, &j);
}

int
ktstr_report_log (KtstrCtrl *c, const char *src, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "log");
  ktstr_json_str (&j, "src", src);
  ktstr_json_str (&j, "msg", msg);
  return send_line (c, &j);
}

int
ktstr_report_cgroup (KtstrCtrl *c, const char *name, const char *cpuset)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "cgroup");
  ktstr_json_str (&j, "name", name);
  ktstr_json_str (&j, "cpuset", cpuset);
  return send_line (c, &j);
}

int
ktstr_report_stim (KtstrCtrl *c, uint64_t elapsed_ms, const char *label, uint64_t total_iterations)
{
  return ktstr_report_stim_op (c, elapsed_ms, label, NULL, NULL, total_iterations);
}

int
ktstr_report_stim_op (KtstrCtrl *c, uint64_t elapsed_ms, const char *label, const char *op_kind,
                      const char *detail, uint64_t total_iterations)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "stim");
  ktstr_json_u64 (&j, "elapsed_ms", elapsed_ms);
  ktstr_json_str (&j, "label", label);
  ktstr_json_str (&j, "op_kind", op_kind);
  ktstr_json_str (&j, "detail", detail);
  ktstr_json_u64 (&j, "total_iterations", total_iterations);
  return send_line (c, &j);
}

int
ktstr_report_payload (KtstrCtrl *c, const char *name, uint64_t elapsed_ms, int exit_code,
                      bool is_killed, const char *out, const char *err)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "payload");
  ktstr_json_str (&j, "name", name);
  ktstr_json_u64 (&j, "elapsed_ms", elapsed_ms);
  ktstr_json_i64 (&j, "exit_code", exit_code);
  ktstr_json_bool (&j, "killed", is_killed);
  ktstr_json_str (&j, "stdout", out);
  ktstr_json_str (&j, "stderr", err);
  return send_line (c, &j);
}

int
ktstr_report_worker (KtstrCtrl *c, const char *cgroup, const char *work_type,
                     const KtstrWorkerProc *p)
{
  /* A worker that died or hung before finishing its loop gets a zero-work
   * report: the starvation check then fails it, with the exit info saying
   * why. */
  static const KtstrWorkerReport zero;
  bool has_report = ktstr_worker_proc_has_report (p);
  const KtstrWorkerReport *r = has_report ? p->report : &zero;
  char exit_text[32];
  KtstrJson j;

  ktstr_json_init (&j);
  ktstr_json_begin (&j, "worker");
  ktstr_json_str (&j, "cgroup", cgroup);
  ktstr_json_u64 (&j, "index", p->index);
  ktstr_json_str (&j, "work_type", work_type);
  ktstr_json_i64 (&j, "pid", p->pid);
  ktstr_json_u64 (&j, "work_units", r->work_units);
  ktstr_json_u64 (&j, "iterations", r->iterations);
  ktstr_json_u64 (&j, "cpu_time_ns", r->cpu_time_ns);
  ktstr_json_u64 (&j, "wall_time_ns", r->wall_time_ns);
  ktstr_json_u64 (&j, "off_cpu_ns", r->off_cpu_ns);
  ktstr_json_u64 (&j, "migration_count", r->migration_count);
  cpuset_array (&j, "cpus_used", &r->cpus_used);
  ktstr_json_u64 (&j, "max_gap_ms", r->max_gap_ms);
  ktstr_json_i64 (&j, "max_gap_cpu", r->max_gap_cpu);
  ktstr_json_u64 (&j, "max_gap_at_ms", r->max_gap_at_ms);
  ktstr_json_u64 (&j, "run_delay_ns", r->run_delay_ns);
  ktstr_json_u64 (&j, "run_count", r->run_count);
  ktstr_json_u64 (&j, "schedstat_cpu_ns", r->schedstat_cpu_ns);
  ktstr_json_u64 (&j, "wake_sample_total", r->wake_sample_total);
  ktstr_json_u64 (&j, "minor_faults", r->minor_faults);
  /* Optional keys: absent when the guest could not read them. */
  if (r->has_numa_pages)
    {
      ktstr_json_object_open (&j, "numa_pages");
      for (unsigned node = 0; node < KTSTR_NUMA_MAX_NODES; node++)
        if (r->numa_pages[node] > 0)
          {
            char key[16];
            snprintf (key, sizeof key, "%u", node);
            ktstr_json_u64 (&j, key, r->numa_pages[node]);
          }
      ktstr_json_object_close (&j);
    }
  if (r->has_numa_migrated)
    ktstr_json_u64 (&j, "vmstat_numa_pages_migrated", r->numa_pages_migrated);
  ktstr_json_array_open (&j, "lat_ns");
  uint32_t n_lat = r->n_lat < KTSTR_LAT_RESERVOIR ? r->n_lat : KTSTR_LAT_RESERVOIR;
  for (uint32_t i = 0; i < n_lat; i++)
    ktstr_json_u64 (&j, NULL, r->lat_ns[i]);
  ktstr_json_array_close (&j);
  ktstr_json_bool (&j, "completed", has_report);
  ktstr_json_str (&j, "exit", ktstr_worker_proc_exit_text (p, exit_text, sizeof exit_text));
  return send_line (c, &j);
}

int
ktstr_report_error (KtstrCtrl *c, const char *msg)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "error");
  ktstr_json_str (&j, "msg", msg);
  return send_line (c, &j);
}

int
ktstr_report_done (KtstrCtrl *c, uint64_t elapsed_ms, uint64_t agent_cpu_ns, uint64_t agent_span_ms)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "done");
  ktstr_json_u64 (&j, "elapsed_ms", elapsed_ms);
  ktstr_json_u64 (&j, "agent_cpu_ns", agent_cpu_ns);
  ktstr_json_u64 (&j, "agent_span_ms", agent_span_ms);
  return send_line (c, &j);
}

int
ktstr_report_test_begin (KtstrCtrl *c, unsigned index)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "test_begin");
  ktstr_json_u64 (&j, "index", index);
  return send_line (c, &j);
}

int
ktstr_report_test_end (KtstrCtrl *c, unsigned index, int rc, const char *reset)
{
  KtstrJson j;
  ktstr_json_init (&j);
  ktstr_json_begin (&j, "test_end");
  ktstr_json_u64 (&j, "index", index);
  ktstr_json_u64 (&j, "rc", (uint64_t)(rc != 0));
  ktstr_json_str (&j, "reset", reset);
  return send_line (c, &j);
}
