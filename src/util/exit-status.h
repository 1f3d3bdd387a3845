/* The exit statuses of ktstr and ktstr-stats, one set for both programs so
 * that a CI script reads them the same way everywhere:
 *
 *   0    success: every test passed (or was skipped), no regression
 *   1    a test failed, or `compare` found a regression
 *   2    usage or data error, or the harness could not run or record a test
 *   130  interrupted (SIGINT or SIGTERM): what ran is recorded, the rest
 *        did not run (128 + SIGINT, as a shell reports it)
 *
 * `ktstr run` and `ktstr shell` exit with the guest program's own status,
 * so their own outcomes keep out of the range programs use, as timeout(1)
 * does:
 *
 *   123  the guest kernel panicked
 *   124  the guest hung: the deadline passed (timeout(1)'s status)
 *   125  ktstr could not run the program: usage, setup, boot, scheduler */
#ifndef KTSTR_EXIT_STATUS_H
#define KTSTR_EXIT_STATUS_H

#define KTSTR_EXIT_OK 0
#define KTSTR_EXIT_FAILED 1
#define KTSTR_EXIT_USAGE 2
#define KTSTR_EXIT_INTERRUPTED 130
#define KTSTR_EXIT_CMD_PANIC 123
#define KTSTR_EXIT_CMD_HANG 124
#define KTSTR_EXIT_CMD_SETUP 125

#endif
