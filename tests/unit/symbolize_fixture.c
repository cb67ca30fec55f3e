/*
 * A tiny program for test_symbolize: built with -g -O2 (as an executable
 * and as a relocatable "module" fixmod.ko) so that helper() is inlined
 * into outer(). The markers name the lines the test expects.
 */
volatile int sink;

static inline __attribute__((always_inline)) int helper(int x)
{
	sink = x * 3; /* LINE_HELPER */
	return sink;
}

__attribute__((noinline)) int outer(int x);
__attribute__((noinline)) int outer(int x)
{
	int r = helper(x); /* LINE_CALL */
	sink = r + 1;
	return sink;
}

int main(int argc, char **argv)
{
	(void)argv;
	return outer(argc);
}
