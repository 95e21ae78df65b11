#!/usr/bin/env bash
# cgleak fix plan：主机目录 el7-3.10-at-the-wall
# 内核方法，以消除 memory cgroup ID 泄漏（runtime.containerd, kubelet.kmem, logs.symptom）：给 3.10.0-1160.el7.x86_64 加上内核参数 cgroup.memory=nokmem，驱逐 Pod，重启，验证。`cgleak fix apply` 会修改 /boot/grub2/grub.cfg, /etc/default/grub。
# 运行前请逐步审阅。安装软件包的步骤保留为注释；
# 不经确认不会重启。请把 NODE 设为本节点在 Kubernetes 中的名字。
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. 列出内核启动项，找出下次启动的那一项'
# 原因：runbook 4.2：给不会启动的启动项加参数没有任何作用
awk -F"[\"']" '/^(menuentry|submenu) /{n=t++; s=($1=="submenu "); i=0; print n " : " $2 (s ? " >" : "")} /^[[:space:]]+menuentry /{if (s) print "  " n ">" i++ " : " $2}' /boot/grub2/grub.cfg
grub2-editenv list

step '2. 给 /boot/vmlinuz-3.10.0-1160.el7.x86_64 加上内核参数 cgroup.memory=nokmem'
# 原因：以消除 memory cgroup ID 泄漏（runtime.containerd, kubelet.kmem, logs.symptom）；3.10.0-1160.el7.x86_64 支持该参数（kernel.nokmem-arg，L5）；由 grubby 修改 /boot/grub2/grub.cfg（修改：/boot/grub2/grub.cfg）
# 撤销：grubby --remove-args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1160.el7.x86_64
if ! grubby --info /boot/vmlinuz-3.10.0-1160.el7.x86_64 | grep -q -- 'cgroup.memory=nokmem'; then
  grubby --args=cgroup.memory=nokmem --update-kernel /boot/vmlinuz-3.10.0-1160.el7.x86_64
fi
grubby --info /boot/vmlinuz-3.10.0-1160.el7.x86_64 | grep -- 'cgroup.memory=nokmem'

step '3. 在 GRUB_CMDLINE_LINUX 中也保留 cgroup.memory=nokmem'
# 原因：grub2-mkconfig 会根据 GRUB_CMDLINE_LINUX 重建启动项：不写在这里，重新生成菜单时参数就会丢失（修改：/etc/default/grub）
# 撤销：sed -i 's/cgroup.memory=nokmem //' /etc/default/grub
if ! grep -q '^GRUB_CMDLINE_LINUX=.*cgroup.memory=nokmem' /etc/default/grub; then
  sed -i 's/^GRUB_CMDLINE_LINUX="/&cgroup.memory=nokmem /' /etc/default/grub
fi

step '4. 驱逐节点上的 Pod'
# 原因：已经记账过内核内存的 memory cgroup 在重启前一直占着 ID（runbook 第 4 节；M1）：先把 Pod 迁走
# 撤销：kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '5. 重启机器'
# 原因：内核参数在启动时生效
if confirm "现在重启 $NODE？"; then
  systemctl reboot
else
  echo '未重启：修改将在下次启动时生效'
  exit 0
fi

step '6. 验证，然后让 Pod 回来'
# 原因：runbook 的验证方法（第 6 节）：每个容器的 kmem 记账都已关闭，当前内核命令行上有该参数
# 重启之后：grep -o cgroup.memory=nokmem /proc/cmdline
# 重启之后：cgleak verify --canary
# 重启之后：kubectl uncordon "$NODE"
