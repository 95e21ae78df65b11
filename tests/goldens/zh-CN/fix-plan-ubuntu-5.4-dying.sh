#!/usr/bin/env bash
# cgleak fix plan：主机目录 ubuntu-5.4-dying
# 这里没有需要靠修改内核或组件来阻止的泄漏；节点状态为 at-risk（依据：memcg.dying）：下面的步骤可以消除风险。
# 运行前请逐步审阅。安装软件包的步骤保留为注释；
# 不经确认不会重启。请把 NODE 设为本节点在 Kubernetes 中的名字。
set -euo pipefail
NODE="${NODE:-$(hostname)}"
step() { printf '\n== %s\n' "$*"; }
confirm() { local answer; read -r -p "$1 [y/N] " answer; [[ "$answer" == y || "$answer" == yes ]]; }

step '1. 释放僵尸 memory cgroup'
# 原因：memcg.dying：41873 个僵尸 memcg，在此内核上被以下内容钉住：页缓存，以及已清空但未释放的 kmem 缓存（L6、L9）；释放页缓存和可回收的 slab：在此内核上两者都会钉住僵尸 memcg（M1、L6）
cgleak reclaim
# by hand: echo 3 > /proc/sys/vm/drop_caches

step '2. 防止它们再次堆积'
# 原因：被删除的 cgroup 在它记账的页缓存还驻留时一直是僵尸（L9），直到内核在下线时把页缓存转给父 cgroup（L10，约 7.1 起）：Pod 频繁变更会让它们再次出现
# 撤销：rm /etc/cron.d/cgleak-reclaim
# run the release periodically, e.g. /etc/cron.d/cgleak-reclaim: */30 * * * * root cgleak reclaim
echo '软件包步骤：请手动执行上面的命令，然后重新运行 cgleak fix plan' >&2
