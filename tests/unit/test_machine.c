/* Unit tests: what a machine waits for under each accelerator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "manager/machine.h"

/* syzkaller's limits with KVM; ten times them under TCG. */
static void test_timeouts(void **state)
{
	struct machine_timeouts kvm = machine_timeouts(VM_ACCEL_KVM);
	struct machine_timeouts tcg = machine_timeouts(VM_ACCEL_TCG);

	(void)state;
	assert_int_equal(kvm.call_ms, 50);
	assert_int_equal(kvm.prog_ms, 5000);
	assert_int_equal(tcg.call_ms, 500);
	assert_int_equal(tcg.prog_ms, 50000);
	assert_int_equal(machine_slowdown(VM_ACCEL_KVM), 1);
	assert_int_equal(machine_slowdown(VM_ACCEL_TCG), 10);
	/* not resolved yet: assume the slow one */
	assert_int_equal(machine_slowdown(VM_ACCEL_AUTO), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
