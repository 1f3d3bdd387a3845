/* ktstr host <-> guest protocol.
 *
 * Compiled into both the host (GLib) and the guest agent (plain libc), so it
 * holds only constants and plain C declarations.
 *
 * HOST -> GUEST: the test plan, a text file packed into the initramfs at
 * KTSTR_PLAN_PATH.  One directive per line, words separated by single spaces,
 * '#' starts a comment line.  key=value words carry parameters.  Host and
 * guest parse it with the same grammar (common/plan.h).
 *
 *   ktstr-plan 1                      first line, version
 *   test NAME                         test name (for logs)
 *   topology NnNlNcNt                 topology the host asked QEMU for
 *   duration_ms N                     how long workers run
 *   settle_ms N                       pause between cgroup setup and start
 *   guard_ms N                        guest powers off after this, whatever happens
 *                                     (counted from guest boot, CLOCK_BOOTTIME)
 *   workers N                         default workers per cgroup
 *   cgroup NAME [cpuset=SPEC]         create /sys/fs/cgroup/ktstr/NAME
 *   work CGROUP TYPE [workers=N] [k=v ...]
 *                                     a group of workers of work type TYPE
 *                                     (PascalCase, e.g. CpuSpin) in CGROUP;
 *                                     extra k=v are work-type parameters
 *                                     (e.g. burst_ms=50 sleep_ms=100)
 *                                     and every work also takes
 *                                     policy=normal|batch|idle|fifo:P|rr:P
 *                                     nice=-20..19
 *                                     affinity=inherit|random|llc|cross|
 *                                       single|exact:LIST
 *                                     mempolicy=default|local|bind:NODES|
 *                                       preferred:NODE|interleave:NODES|
 *                                       preferred_many:NODES|
 *                                       weighted_interleave:NODES
 *                                     mpol_flags=none|static|relative|
 *                                       balancing (comma-separated)
 *                                     Work types and their parameters:
 *                                     common/plan-worktypes.c, the one
 *                                     table host and guest use.
 *
 *   payload NAME PATH [output=json|exitcode]
 *                                     a program in the image that ops run
 *   payload_arg NAME ARG              one argument, the rest of the line
 *                                     verbatim, spaces included
 *                                     (repeatable, in order)
 *   payload_env NAME KEY=VALUE        one environment entry (e.g. the
 *                                     LD_LIBRARY_PATH of packed libraries)
 *   scheduler PATH [ready_ms=MS] [stop_ms=MS]
 *                                     the sched_ext scheduler under test,
 *                                     a program in the image (its loader
 *                                     and libraries are packed too); at
 *                                     most once.  ready_ms bounds its
 *                                     readiness (default 10000), stop_ms a
 *                                     clean stop (default 5000)
 *   scheduler_arg ARG                 one argument, the rest of the line
 *                                     verbatim (repeatable, in order; may
 *                                     be empty)
 *   scheduler_env KEY=VALUE           added to its environment (repeatable;
 *                                     LD_LIBRARY_PATH names the packed libs)
 *   scheduler_tracer PATH [ARG...]    after the scheduler line: a program
 *                                     the agent starts, with the
 *                                     scheduler's environment, once the
 *                                     scheduler is enabled, waits for its
 *                                     "ready N" line (at most ready_ms) and
 *                                     stops (SIGINT) before the scheduler;
 *                                     its stdout comes as "log" frames of
 *                                     src "tracer" (auto-repro's recorder,
 *                                     guest-trace/).  ARGs: single words,
 *                                     at most 16
 *   cgroup_parent /PATH               the scenario's cgroups go under
 *                                     /sys/fs/cgroup/PATH instead of
 *                                     KTSTR_CGROUP_ROOT (the scheduler under
 *                                     test manages that subtree); missing
 *                                     levels are created
 *   step HOLD                         starts the next step; HOLD is
 *                                     frac:F (F of duration_ms, 0<F<=1),
 *                                     fixed:MS or loop:MS (the step's ops
 *                                     again every MS until duration_ms has
 *                                     passed since ScenarioStart; last step
 *                                     only; SetCpuset, ClearCpuset,
 *                                     SwapCpusets, SetAffinity and
 *                                     MoveAllTasks only)
 *   op KIND ARGS...                   an op of the current step (before any
 *                                     step line: of the backdrop), in order:
 *     AddCgroup NAME [cpuset=SPEC]    SetCpuset CGROUP SPEC
 *     RemoveCgroup CGROUP             ClearCpuset CGROUP
 *     SwapCpusets A B                 StopCgroup CGROUP
 *     Spawn CGROUP TYPE [workers=N] [k=v ...]   (as a work line)
 *     SpawnHost TYPE [workers=N] [k=v ...]      (workers stay in the
 *                                     agent's cgroup; they report as
 *                                     cgroup "_host")
 *     SetAffinity CGROUP SPEC         MoveAllTasks FROM TO
 *     RunPayload PAYLOAD [cgroup=CGROUP]   (in the background)
 *     WaitPayload PAYLOAD             KillPayload PAYLOAD
 *
 *   Lines before the first step line are the backdrop: its cgroups and
 *   works exist from the start (after settle_ms) to the end, its ops run
 *   right after ScenarioStart.  cgroup and work lines after a step line
 *   belong to that step.  A step runs its ops, then creates its own
 *   cgroups and starts their works, then holds; at its end its workers
 *   are stopped and reported, its payloads killed (and reported) and its
 *   cgroups (those of its AddCgroup ops too) removed.  Ops see the
 *   backdrop's cgroups and those their own step added with AddCgroup;
 *   cgroup names are unique in a plan; RemoveCgroup takes only the
 *   step's own.  A plan without step and op lines runs exactly as before
 *   steps existed.
 *
 *   cpuset SPEC: exact:LIST (e.g. exact:0-1,3) | disjoint:I/N (I-th of N
 *   equal slices of the usable CPUs) | llc:I | numa:N (usable CPUs of node
 *   N) | range:A-B (usable CPUs from fraction A to B, e.g. range:0-0.5) |
 *   overlap:I/N/F (slice I of N widened by fraction F of a slice on each
 *   side) | all
 *
 * GUEST -> HOST: newline-delimited JSON objects on the virtio-serial port
 * named KTSTR_CTRL_PORT_NAME.  Each object has "t" (its type):
 *
 *   {"t":"hello","proto":1,"uptime_ms":N,"kernel":"6.12.0"}
 *        the agent is alive; sent first.  A boot that never sends it is a
 *        boot failure.
 *   {"t":"topo","cpus":N,"llcs":[[0,1],[2,3]],"numa":[[0,1,2,3]],"smt":1}
 *        the topology the guest sees: LLC groups from sysfs cache
 *        shared_cpu_list, NUMA nodes from /sys/devices/system/node, smt =
 *        threads per core.
 *   {"t":"log","src":"init","msg":"..."}
 *        a diagnostic line (src: init|scheduler|payload|tracer).
 *   {"t":"stim","elapsed_ms":N,"label":"ScenarioStart","op_kind":null,
 *    "detail":null,"total_iterations":N}
 *        a stimulus event for the sidecar timeline.
 *        With steps, "label" is also "StepStart[I]", "StepEnd[I]", or for an
 *        op "Step[I].Op[J]" ("Backdrop.Op[J]"), with "op_kind" the op's
 *        kind and "detail" what it did, e.g. "cgroup=cg_0 cpus=0-1";
 *        total_iterations is the live count of the workers then running.
 *   {"t":"payload","name":"P","elapsed_ms":N,"exit_code":N,"killed":false,
 *    "stdout":"...","stderr":"..."}
 *        a payload ended (WaitPayload, KillPayload or its step's end);
 *        exit_code is 128+N after signal N; output is cut at 16 KiB per
 *        stream.  The host extracts metrics and runs the checks.
 *   {"t":"cgroup","name":"cg_0","cpuset":"0-1"}
 *        a cgroup was created; cpuset is the effective CPU list ("" = all).
 *   {"t":"worker","cgroup":"cg_0","index":0,"work_type":"CpuSpin",
 *    "pid":N,"work_units":N,"iterations":N,"cpu_time_ns":N,
 *    "wall_time_ns":N,"off_cpu_ns":N,"migration_count":N,
 *    "cpus_used":[0,1],"max_gap_ms":N,"max_gap_cpu":N,"max_gap_at_ms":N,
 *    "run_delay_ns":N,"run_count":N,"schedstat_cpu_ns":N,
 *    "wake_sample_total":N,"minor_faults":N,
 *    "numa_pages":{"0":N,"1":N},"vmstat_numa_pages_migrated":N,
 *    "lat_ns":[N,...],"completed":true,
 *    "exit":"ok"|"exited:N"|"signaled:N"|"timeout"}
 *        one per worker after it stopped.  index counts the workers of one
 *        cgroup from 0.  lat_ns is a bounded reservoir (at most
 *        KTSTR_LAT_RESERVOIR samples).  A worker that died or hung has
 *        zero work, "completed":false and its exit info.
 *        numa_pages (OPTIONAL): the N<node>=<pages> fields of
 *        /proc/self/numa_maps summed per node at the end of the loop,
 *        keyed by decimal node id, nodes without pages left out ({} when
 *        numa_maps had none); absent when numa_maps could not be read (no
 *        CONFIG_NUMA) and from older agents.
 *        vmstat_numa_pages_migrated (OPTIONAL): the delta of /proc/vmstat
 *        numa_pages_migrated over the loop.  System-wide, so workers
 *        running together see the same migrations; absent without
 *        CONFIG_NUMA_BALANCING and from older agents.
 *   {"t":"error","msg":"..."}
 *        the scenario could not be set up or run; the test fails with msg.
 *   {"t":"done","elapsed_ms":N,"agent_cpu_ns":N,"agent_span_ms":N}
 *        the scenario finished and every worker was reported.
 *        agent_cpu_ns is the agent's own overhead: the CPU time of PID 1
 *        and its threads (CLOCK_PROCESS_CPUTIME_ID; its children, the
 *        workers, the scheduler and payloads, excluded) from ScenarioStart
 *        to ScenarioEnd, agent_span_ms long.  Older agents omit both.
 *
 * SCHEDULER UNDER TEST.  When the plan has a scheduler line, the agent
 * starts it after reading the topology and before any cgroup or worker
 * exists, waits until /sys/kernel/sched_ext/state is "enabled" and
 * root/ops is non-empty, runs the scenario while a watcher thread streams
 * the scheduler's stdout/stderr and watches it, then stops it (SIGINT,
 * SIGTERM, SIGKILL) and checks that sched_ext detached.  Messages:
 *
 *   {"t":"sched","ev":EV,"elapsed_ms":N,"state":"enabled","ops":"simple",
 *    "enable_seq":N,"pid":N,...}
 *        state/ops/enable_seq are read from /sys/kernel/sched_ext when the
 *        message is sent; elapsed_ms counts from the scheduler's start.  EV:
 *          "unsupported" + "why": the kernel has no sched_ext; nothing ran.
 *          "started" + "binary": forked.
 *          "ready" + "attached":true: enabled with a non-empty ops name.
 *          "not_ready" + "why", "exit" ("" while it still ran, then it was
 *              killed), "attached" (enable_seq moved, i.e. sched_ext did
 *              enable it before it went away): the run ends here.
 *          "exit" + "exit": the process ended on its own during the run.
 *          "state" + "why": sched_ext left "enabled", or enable_seq moved.
 *          "stopped" + "exit", "by" ("ktstr"|"itself"), "detached".
 *   {"t":"verifier","prog":"simple_enqueue","id":N,"verified_insns":N}
 *        one per struct_ops program after "ready" (bpf prog info).
 *   {"t":"progstat","prog":"simple_enqueue","id":N,"when":"ready"|"stop",
 *    "run_cnt":N,"run_time_ns":N}
 *        one per struct_ops program right after "ready" and right before
 *        ktstr stops the scheduler (bpf prog info; the agent turns on
 *        bpf_stats_enabled before starting it): the monitor's
 *        prog_stats_deltas are the differences.
 *   {"t":"log","src":"scheduler"|"kernel"|"dump"|"tracer","msg":"..."}
 *        the scheduler's output line by line as it comes; the kernel's
 *        sched_ext lines from /dev/kmsg; the sched_ext_dump tracepoint;
 *        the scheduler_tracer's output line by line.
 *
 * MONITOR (src/monitor).  The host samples the guest kernel's scheduler
 * state every 100 ms from hello to done.  It reads guest memory itself
 * when it can; otherwise it asks the agent to sample (the command below),
 * and the agent's sampler thread (guest-init/gmon.h) sends
 *
 *   {"t":"mon","elapsed_ms":N,"scx":B,"nr":[N,...],"clock":[N,...],
 *    "schedstat":[[run_delay,pcount,yld_count,sched_count,sched_goidle,
 *                  ttwu_count,ttwu_local],...],"events":{"name":N,...}}
 *        elapsed_ms since the sampler started; scx: sched_ext state is
 *        "enabled"; per CPU (index = CPU number) nr_running and the
 *        runqueue clock in ns from /sys/kernel/debug/sched/debug;
 *        schedstat (OPTIONAL) from /proc/schedstat; events (OPTIONAL, only
 *        where the kernel has /sys/kernel/sched_ext/root/events): the
 *        SCX_EV_* totals, names lowercased without SCX_EV_.
 *
 * HOST -> GUEST COMMANDS: text lines the host writes on the same control
 * port; a thread of the agent (guest-init/hostcmd.h) reads them, and
 * acknowledges each with a "log" line:
 *
 *   monitor start MS     start the guest sampler, one "mon" every MS
 *   sysrq KEY            write KEY to /proc/sysrq-trigger; the monitor
 *                        sends "sysrq D" (the sched_ext dump, whose lines
 *                        come back as "log" src "dump") on the first
 *                        sustained threshold violation
 *
 * ONE COMMAND INSTEAD OF A TEST (`ktstr run`, `ktstr shell`).  The host
 * packs KTSTR_EXEC_SPEC_PATH instead of a plan; the program (and its
 * interpreter and libraries) is in the image.  One directive per line;
 * arg and env take the rest of the line verbatim:
 *
 *   ktstr-exec 1                      first line, version
 *   mode run|shell                    run: stdin /dev/null, stdout and
 *                                     stderr sent to the host as "out"
 *                                     frames; shell: the program gets the
 *                                     console (tty) as its controlling
 *                                     terminal on stdin, stdout, stderr
 *   arg ARG                           argv, in order; the first is the
 *                                     program's path in the guest
 *   env KEY=VALUE                     added to its environment (repeatable)
 *   guard_ms N                        power off after N ms since boot,
 *                                     whatever happens (0 or absent: never)
 *   tty PATH                          shell: the terminal (default
 *                                     /dev/ttyS0, the console)
 *   winsize ROWS COLS                 shell: the terminal's size
 *
 * With a scheduler under test the host also packs a plan at
 * KTSTR_PLAN_PATH holding only its scheduler lines.  The agent says hello
 * and topo, starts that scheduler (as for a test), runs the program,
 * stops the scheduler and powers off.  Messages (and "error" when it cannot run
 * the program at all):
 *
 *   {"t":"out","fd":1,"hex":"68690a"}
 *        a chunk of the program's stdout (fd 1) or stderr (fd 2), the
 *        bytes hex-encoded so that any output arrives unchanged (run mode).
 *   {"t":"exit","exit_code":N,"elapsed_ms":N}
 *        the program ended: its exit status, or 128+N after signal N (as
 *        a shell reports it); 127 when it could not be found, 126 when it
 *        could not be executed.
 *
 * SHARED BOOTS (`ktstr test` without --fresh-boot, guest-init/session.h).
 * Consecutive tests that need the same kernel, topology, memory and image
 * run in one VM.  The host packs KTSTR_SESSION_PATH ("ktstr-session 1"
 * and "plans N") and each test's plan at KTSTR_PLAN_PATH ".K" (K from 0);
 * after hello the agent waits for the host's commands on the control port:
 *
 *   session run K        run plan K: "test_begin", the plan's messages
 *                        exactly as in a boot of its own (topo, cgroup,
 *                        stim, worker, done or error), then "test_end"
 *   session end          power off
 *
 *   {"t":"test_begin","index":K}
 *   {"t":"test_end","index":K,"rc":0,"reset":"ok"}
 *        rc: 0 after done, 1 after error.  reset: "ok" when the state a
 *        test can leave was back to the boot's (no process but the agent
 *        and kernel threads, no cgroup below KTSTR_CGROUP_ROOT, the guest
 *        sampler stopped); otherwise what was left, and the agent powers
 *        off without waiting: the next test needs a fresh boot.
 *
 * Before test_begin and before test_end the agent writes
 * KTSTR_SESSION_KMSG_BEGIN / KTSTR_SESSION_KMSG_END followed by K to
 * /dev/kmsg: the host cuts the kernel console, one stream per VM, at those
 * lines.  The guard counts from "session run" (each test's guard_ms).
 *
 * The agent then powers off.  A guest that panics, never says hello, or
 * never says done before the host deadline gets its own verdict on the host.
 * The host ignores empty lines: the agent's guard timer starts its "error"
 * line with a newline, in case it interrupted another line.  That line's
 * msg starts with KTSTR_GUARD_ERROR_PREFIX; the guard then kills every
 * other guest process (the scheduler's too) and powers off.
 */
#ifndef KTSTR_COMMON_PROTO_H
#define KTSTR_COMMON_PROTO_H

#define KTSTR_PROTO_VERSION 1
#define KTSTR_PLAN_MAGIC "ktstr-plan 1"
#define KTSTR_PLAN_PATH "/ktstr/plan"
#define KTSTR_CTRL_PORT_NAME "org.ktstr.ctrl"
#define KTSTR_LAT_RESERVOIR 4096
#define KTSTR_CGROUP_ROOT "/sys/fs/cgroup/ktstr"
#define KTSTR_GUARD_ERROR_PREFIX "guard timer "
#define KTSTR_EXEC_MAGIC "ktstr-exec 1"
#define KTSTR_EXEC_SPEC_PATH "/ktstr/exec"
#define KTSTR_SESSION_PATH "/ktstr/session"
#define KTSTR_SESSION_MAGIC "ktstr-session 1"
#define KTSTR_SESSION_MAX_PLANS 1024
#define KTSTR_SESSION_KMSG_BEGIN "ktstr-session: begin test "
#define KTSTR_SESSION_KMSG_END "ktstr-session: end test "

/* The host's bounds on what it accepts from the guest, which it does not
 * trust: a control line longer than KTSTR_PROTO_LINE_MAX bytes is cut
 * there (the rest, up to the newline, is dropped), and after
 * KTSTR_PROTO_SESSION_MAX bytes of control lines from one VM the rest are
 * counted and dropped, and the test fails saying so.  The largest line the
 * agent writes, a worker report with a full latency reservoir, is well
 * under 200 KiB; a whole run's lines are a few MiB at most. */
#define KTSTR_PROTO_LINE_MAX (1024 * 1024)
#define KTSTR_PROTO_SESSION_MAX (64 * 1024 * 1024)

/* Kernel command line word the host adds so the agent knows it is ours. */
#define KTSTR_CMDLINE_MARK "ktstr.agent=1"

/* Optional kernel command line word naming the control device outright
 * (e.g. ktstr.ctrl=/dev/hvc0 for a VMM without a named virtio-serial port);
 * without it the agent looks for KTSTR_CTRL_PORT_NAME for up to 5 s, then
 * tries /dev/hvc0 and /dev/ttyS1. */
#define KTSTR_CMDLINE_CTRL "ktstr.ctrl="

#endif
