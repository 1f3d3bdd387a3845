/* The ktstr subcommands; each returns the process exit status. */
#ifndef KTSTR_COMMANDS_H
#define KTSTR_COMMANDS_H

/* Exit statuses shared by the subcommands. */
#define KTSTR_EXIT_OK 0
#define KTSTR_EXIT_FAILED 1 /* a test failed */
#define KTSTR_EXIT_USAGE 2  /* bad arguments or inputs, or the harness could not run */

int ktstr_cmd_test (int argc, char **argv);
int ktstr_cmd_list (int argc, char **argv);
int ktstr_cmd_show_host (int argc, char **argv);
int ktstr_cmd_show_thresholds (int argc, char **argv);
int ktstr_cmd_kernel (int argc, char **argv);

#endif
