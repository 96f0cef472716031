/* SPDX-License-Identifier: MIT */
/* Running a stock tool without a shell, and removing a folder we made, for the front ends. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ui.h"

extern char **environ;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/*
 * Runs argv[0] from PATH — no shell, so no quoting: any byte a path holds stays in its argument.
 * stdin and stderr are /dev/null; stdout goes to *ret_out (up to size - 1 bytes, NUL-terminated)
 * when ret_out is given, else to /dev/null. 0 when the tool exits 0, -ENOENT when it is not
 * installed, -EIO when it fails.
 */
int ui_run_tool(char *const argv[], char *ret_out, size_t size)
{
        int pipe_fd[2] = { -1, -1 };
        if (ret_out && pipe2(pipe_fd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (ret_out)
                posix_spawn_file_actions_adddup2(&fa, pipe_fd[1], STDOUT_FILENO);
        else
                posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        pid_t pid;
        int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (ret_out)
                close(pipe_fd[1]);
        if (r != 0) {
                if (ret_out)
                        close(pipe_fd[0]);
                return -r;
        }
        if (ret_out) {
                size_t got = 0;
                char sink[512];
                for (;;) {
                        bool is_full = got + 1 >= size;
                        ssize_t n = is_full ? read(pipe_fd[0], sink, sizeof sink)
                                            : read(pipe_fd[0], ret_out + got, size - 1 - got);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        if (!is_full)
                                got += (size_t)n;
                }
                ret_out[got] = 0;
                close(pipe_fd[0]);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

void ui_remove_tree(const char *path)
{
        (void)nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}
