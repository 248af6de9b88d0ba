/* The first process of each LTP test run by bench/ltp.sh, natively (pid 1 of a fresh pid namespace)
 * and in the guest (the guest's pid 1). LTP's library takes a parent pid of 1 for "the main test
 * process has exited", so the test must not itself be pid 1: this program forks it, reaps every
 * process that is re-parented to it while the test runs, and exits as the test did (128+N if it died
 * of signal N). */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ltp-init PROGRAM [ARG...]\n");
		return 125;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("ltp-init: fork");
		return 125;
	}
	if (child == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "ltp-init: cannot execute %s: %m\n", argv[1]);
		_exit(127);
	}
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			perror("ltp-init: waitpid");
			return 125;
		}
		if (pid != child)
			continue;
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + WTERMSIG(status);
	}
}
