#!/usr/bin/env bash
# cgleak fix plan：主机目录 el7-957-leaking
# 组件方法，以消除 memory cgroup ID 泄漏（kmem.active-cgroups, runtime.runc, kubelet.kmem, logs.symptom）：让 runc/containerd/kubelet 不再开启 kmem 记账，驱逐 Pod，重启（在此之前已记账的 cgroup 保持不变），验证。
# 运行前请逐步审阅。安装软件包的步骤保留为注释；
# 不经确认不会重启。请把 NODE 设为本节点在 Kubernetes 中的名字。
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. 换用不开启 kmem 记账的 runc（containerd.io）'
# 原因：runtime.runc / runtime.containerd：containerd.io 1.4.5+/1.5.1+ 自带 runc 1.0.0-rc94 或更新版本（D9）；当前：runc 未知，containerd 1.2.0-3.el7
# 撤销：yum downgrade containerd.io
# yum update containerd.io   # to 1.4.5+/1.5.1+ (D9)
# pinned to runc rc6-rc93? rebuild it without kmem (R5): make BUILDTAGS='seccomp nokmem' && install -m 0755 runc $(command -v runc)
echo '软件包步骤：请手动执行上面的命令，然后重新运行 cgleak fix plan' >&2

step '2. 把 docker-ce 升级到 18.09.1 或更新版本'
# 原因：docker-ce 18.09.1 在 el7 上自带关闭 kmem 记账的 runc（D2，runbook 4.1）；从 18.09 起 runc 由 containerd.io 提供（D3）
# 撤销：yum downgrade docker-ce
# yum update docker-ce   # to 18.09.1 or later
echo '软件包步骤：请手动执行上面的命令，然后重新运行 cgleak fix plan' >&2

step '3. 让 kubelet 1.16.4 不再开启 kmem 记账'
# 原因：kubelet.kmem：使用 cgroupfs 驱动的 1.8 到 1.21.1 会开启 kmem 记账（K9）；1.21.2 及以后不会（K7）；systemd cgroup 驱动也不会（K2）
# 撤销：yum downgrade kubelet
# yum install 'kubelet-1.21.2*'   # or later, within your cluster's version skew policy
# or rebuild 1.16.4 without kmem (K5): KUBE_GIT_VERSION=v1.16.4 ./build/run.sh make kubelet GOFLAGS="-tags=nokmem"
echo '软件包步骤：请手动执行上面的命令，然后重新运行 cgleak fix plan' >&2

step '4. 驱逐节点上的 Pod'
# 原因：已经记账过内核内存的 memory cgroup 在重启前一直占着 ID（runbook 第 4 节；M1）：先把 Pod 迁走
# 撤销：kubectl uncordon "$NODE"
kubectl cordon "$NODE"
kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data

step '5. 重启机器'
# 原因：改动之前创建的 memory cgroup 在重启前仍会记账；改动之后创建的不会
if confirm "现在重启 $NODE？"; then
  systemctl reboot
else
  echo '未重启：修改将在下次启动时生效'
  exit 0
fi

step '6. 验证，然后让 Pod 回来'
# 原因：runbook 的验证方法（第 6 节）：每个容器的 kmem 记账都已关闭，当前内核命令行上有该参数
# 重启之后：cgleak doctor   # runtime.runc, kubelet.kmem: PASS
# 重启之后：cgleak verify --canary
# 重启之后：kubectl uncordon "$NODE"
