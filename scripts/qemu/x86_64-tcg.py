# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for x86_64 under TCG: the same machine as kunit.py's
# own qemu_configs/x86_64.py, but started through qemu-system-x86_64-tcg (in
# this directory, put on PATH by scripts/run), which drops the "-accel kvm"
# kunit.py always passes first.  scripts/run uses it when /dev/kvm is missing
# or a probe boot under KVM did not run the suite.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64-tcg',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-bios', 'qboot.rom'])
