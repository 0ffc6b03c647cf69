// Scripts for the differential suite (test/shell/diff.test.ts): each runs under real bash in
// throwaway namespaces and under wirestack. Pings are bounded (-c, -W) so bash never hangs.
export const DIFF_SCRIPTS: Record<string, string> = {
  'link-add-show-del': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa link
ip -n nsa link show v1
ip -n nsa link show nope
ip -n nsa link del v1
ip -n nsa link
ip -n nsa link del v1
ip -n nsa link del lo`,
  'link-errors': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa link add v1 type veth peer name v3
ip -n nsa link add v4 type veth peer name v4
ip -n nsa link add x1 type bogus
ip -n nsa link add type veth
ip -n nsa link set v1 mtu 10
ip -n nsa link set v1 mtu 70000
ip -n nsa link set v1 mtu abc
ip -n nsa link set v1 address zz
ip -n nsa link set v1 netns nope
ip -n nsa link set v1 master nope
ip -n nsa link set v1 bogus
ip -n nsa link set
ip -n nsa link frob
ip -n nsa lnk
ip -n nsa link`,
  'link-set-mtu-name-address': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa link set v1 mtu 1400
ip -n nsa link set v1 address 02:00:00:00:00:01
ip -n nsa link set v2 name v3
ip -n nsa link set dev v3 up
ip -n nsa link set v1 up
ip -n nsa link
ip -n nsa -s link show lo`,
  'addr-add-del': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa addr add 10.1.0.1/24 dev v1
ip -n nsa addr add 10.1.0.1/24 dev v1
ip -n nsa addr add 10.1.0.9 dev v1
ip -n nsa addr add 10.1.0.x dev v1
ip -n nsa addr add 10.1.0.7/33 dev v1
ip -n nsa addr add 10.1.0.8/24 dev nope
ip -n nsa addr add 10.1.0.8/24
ip -n nsa addr add 10.1.0.8/24 10.1.0.9/24 dev v1
ip -n nsa a show v1
ip -n nsa route
ip -n nsa link set v1 up
ip -n nsa route
ip -n nsa addr del 10.9.0.1/24 dev v1
ip -n nsa addr del 10.1.0.1/24 dev v1
ip -n nsa route
ip -n nsa addr show nope`,
  'route-add-del-replace': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa addr add 10.2.0.1/24 dev v1
ip -n nsa link set v1 up
ip -n nsa link set v2 up
ip -n nsa route add 10.9.0.0/16 via 10.2.0.254
ip -n nsa route add 10.9.0.0/16 via 10.2.0.254
ip -n nsa route add 10.9.0.0/16 via 10.2.0.253 metric 10
ip -n nsa route add default via 10.2.0.254
ip -n nsa route add 10.8.0.0/16 via 10.3.0.1
ip -n nsa route add 10.8.0.1/16 via 10.2.0.254
ip -n nsa route add 10.8.0.0/16 via 10.2.0.x
ip -n nsa route add 10.8.0.0/16 via 10.2.0.254 blah
ip -n nsa route add 10.8.0.0/16 via 10.2.0.254 metric x
ip -n nsa route add 10.7.0.0/16 dev v1
ip -n nsa route add 10.6.0.0/16
ip -n nsa route add 10.6.0.0/16 dev nope
ip -n nsa route replace 10.9.0.0/16 via 10.2.0.250
ip -n nsa r
ip -n nsa route show dev v1
ip -n nsa route del 10.9.0.0/16 metric 10
ip -n nsa route del 10.5.0.0/16
ip -n nsa route del default
ip -n nsa route`,
  'route-get': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa addr add 10.3.0.1/24 dev v1
ip -n nsa link set v1 up
ip -n nsa link set v2 up
ip -n nsa route get 10.3.0.7
ip -n nsa route get 10.4.0.1
ip -n nsa route get
ip -n nsa route add default via 10.3.0.254
ip -n nsa route get 10.4.0.1`,
  'neigh': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa link set v1 up
ip -n nsa neigh add 10.4.0.5 lladdr 02:00:00:00:00:05 dev v1
ip -n nsa neigh add 10.4.0.5 lladdr 02:00:00:00:00:05 dev v1
ip -n nsa neigh replace 10.4.0.5 lladdr 02:00:00:00:00:06 dev v1
ip -n nsa neigh add 10.4.0.6 lladdr zz dev v1
ip -n nsa neigh add 10.4.0.7 dev v1
ip -n nsa neigh add 10.4.0.8 lladdr 02:00:00:00:00:08
ip -n nsa neigh add 10.4.0.8 lladdr 02:00:00:00:00:08 dev nope
ip -n nsa neigh
ip -n nsa neigh show dev v1
ip -n nsa neigh del 10.4.0.9 dev v1
ip -n nsa neigh flush
ip -n nsa neigh flush dev v1
ip -n nsa n
ip -n nsa neigh del 10.4.0.5 dev v1
ip -n nsa neigh`,
  'netns-errors': `ip netns add nsa
ip netns add nsa
ip netns add x/y
ip netns
ip netns list
ip netns exec
ip netns exec nope ip link
ip netns exec nsa
ip netns exec nsa nosuchcmd
ip -n nope link
ip netns del nope
ip netns frob
ip netnx exec nsa ip link
ip netns del nsa
ip netns`,
  'command-not-found': `lp link set x up
ipp a
nosuchtool --version
ip -x link
ip`,
  'abbreviations': `ip netns add nsa
ip -n nsa l
ip -n nsa l s lo
ip -n nsa a
ip -n nsa addr sh lo
ip -n nsa r
ip -n nsa ro li
ip -n nsa neigh sh
ip -n nsa li set lo up
ip -n nsa a
ip -n nsa r`,
  'veth-ping': `ip netns add nsa
ip netns add nsb
ip link add va type veth peer name vb
ip link set va netns nsa
ip link set vb netns nsb
ip -n nsa addr add 10.5.0.1/24 dev va
ip -n nsb addr add 10.5.0.2/24 dev vb
ip -n nsa link set va up
ip -n nsb link set vb up
ip netns exec nsa ping -c 2 10.5.0.2
ip netns exec nsa ping -c 1 -W 1 10.5.0.3
ip netns exec nsa ping -c 1 -W 1 10.6.0.1
ip netns exec nsa ping -c 1 10.5.0.1
ip netns exec nsa arp -n
ip -n nsa neigh
ip netns exec nsb arp -n
ip netns exec nsa route -n
ip netns exec nsb route`,
  'veth-peer-down': `ip netns add nsa
ip netns add nsb
ip link add va type veth peer name vb
ip link set va netns nsa
ip link set vb netns nsb
ip -n nsa addr add 10.5.1.1/24 dev va
ip -n nsb addr add 10.5.1.2/24 dev vb
ip -n nsa link set va up
ip -n nsa link
ip -n nsa route
ip netns exec nsa ping -c 1 -W 1 10.5.1.2
ip -n nsb link set vb up
ip -n nsa link
ip netns exec nsa ping -c 1 -W 1 10.5.1.2`,
  'lo-down': `ip netns add nsa
ip netns exec nsa ping -c 1 -W 1 127.0.0.1
ip -n nsa link set lo up
ip netns exec nsa ping -c 1 127.0.0.1
ip -n nsa addr show lo
ip -n nsa route`,
  'bridge-three': `ip netns add nsa
ip netns add nsb
ip netns add nsc
ip link add br0 type bridge
ip link set br0 up
ip link add va type veth peer name va-br
ip link add vb type veth peer name vb-br
ip link add vc type veth peer name vc-br
ip link set va netns nsa
ip link set vb netns nsb
ip link set vc netns nsc
ip link set va-br master br0
ip link set vb-br master br0
ip link set vc-br master br0
ip link set va-br up
ip link set vb-br up
ip link set vc-br up
ip -n nsa addr add 10.6.0.1/24 dev va
ip -n nsb addr add 10.6.0.2/24 dev vb
ip -n nsc addr add 10.6.0.3/24 dev vc
ip -n nsa link set va up
ip -n nsb link set vb up
ip -n nsc link set vc up
ip netns exec nsa ping -c 1 10.6.0.2
ip netns exec nsa ping -c 1 10.6.0.3
bridge link
bridge fdb show br br0
ip link show master br0
ip -n nsa neigh`,
  'bridge-errors': `ip link add br0 type bridge
ip link add br1 type bridge
ip link set br1 master br0
ip link set lo master br0
ip link set br0 master nope
bridge fdb show br nope
bridge frob
bridge link show
bridge fdb`,
  'router-forwarding': `ip netns add nsa
ip netns add r
ip netns add nsb
ip link add a0 type veth peer name r0
ip link add b0 type veth peer name r1
ip link set a0 netns nsa
ip link set r0 netns r
ip link set r1 netns r
ip link set b0 netns nsb
ip -n nsa addr add 10.7.1.2/24 dev a0
ip -n r addr add 10.7.1.1/24 dev r0
ip -n r addr add 10.7.2.1/24 dev r1
ip -n nsb addr add 10.7.2.2/24 dev b0
ip -n nsa link set a0 up
ip -n r link set r0 up
ip -n r link set r1 up
ip -n nsb link set b0 up
ip -n nsa route add default via 10.7.1.1
ip -n nsb route add default via 10.7.2.1
ip netns exec nsa ping -c 1 -W 1 10.7.2.2
ip netns exec r sysctl net.ipv4.ip_forward
ip netns exec r sysctl -w net.ipv4.ip_forward=1
ip netns exec nsa ping -c 2 10.7.2.2
ip netns exec nsa ping -c 1 -t 1 10.7.2.2
ip netns exec nsa ip route get 10.7.2.2
ip -n r neigh`,
  'no-return-route': `ip netns add nsa
ip netns add r
ip netns add nsb
ip link add a0 type veth peer name r0
ip link add b0 type veth peer name r1
ip link set a0 netns nsa
ip link set r0 netns r
ip link set r1 netns r
ip link set b0 netns nsb
ip -n nsa addr add 10.8.1.2/24 dev a0
ip -n r addr add 10.8.1.1/24 dev r0
ip -n r addr add 10.8.2.1/24 dev r1
ip -n nsb addr add 10.8.2.2/24 dev b0
ip -n nsa link set a0 up
ip -n r link set r0 up
ip -n r link set r1 up
ip -n nsb link set b0 up
ip netns exec r sysctl -w net.ipv4.ip_forward=1
ip -n nsa route add 10.8.2.0/24 via 10.8.1.1
ip netns exec nsa ping -c 1 -W 1 10.8.2.2
ip -n nsb route add 10.8.1.0/24 via 10.8.2.1
ip netns exec nsa ping -c 1 -W 1 10.8.2.2`,
  'sysctl-errors': `ip netns add nsa
ip netns exec nsa sysctl net.ipv4.ip_forward
ip netns exec nsa sysctl -w net.ipv4.ip_forward=1
ip netns exec nsa sysctl -n net.ipv4.ip_forward
ip netns exec nsa sysctl net.ipv4.nope
ip netns exec nsa sysctl net/ipv4/ip_forward
ip netns exec nsa sysctl -w net.ipv4.ip_forward`,
  'files-and-hostname': `cat >> /etc/hosts <<EOF
192.168.12.2 web
EOF
echo "nameserver 10.96.0.10" > /etc/resolv.conf
echo "search mycompany.com" >> /etc/resolv.conf
cat /etc/resolv.conf
grep -c web /etc/hosts
cat /etc/nope
hostname
cat /etc/nsswitch.conf | grep -c hosts`,
  'lists-and-status': `true && echo yes
false && echo no
false || echo fallback
ip link show nope || echo missing
echo one; echo two
ip link show lo | grep -c LOOPBACK`,
  'lab-parity-listings': `ip netns add nsa
ip link add br0 type bridge
bridge fdb show br br0
ip link add v1 type veth peer name v2
ip link
ip link set v2 up
ip link show v1
ip link add va type veth peer name va-br
ip link set va-br master br0
bridge fdb show br br0
ip link set va netns nsa
ip -n nsa link
ip link show va-br`,
  'lab-parity-ping-errors': `ip netns add nsa
ip netns add nsb
ip link add va type veth peer name vb
ip link set va netns nsa
ip link set vb netns nsb
ip -n nsa addr add 10.5.2.1/24 dev va
ip -n nsb addr add 10.5.2.2/24 dev vb
ip -n nsa link set va up
ip -n nsb link set vb up
ip netns exec nsa ping -c 1 -W 1 10.5.2.1
ip netns exec nsa iptables -A OUTPUT -j DROP
ip netns exec nsa ping -c 2 -i 0.2 -W 1 10.5.2.2
ip netns exec nsa iptables -D OUTPUT -j DROP
ip netns exec nsa ping -c 1 -W 1 10.5.2.2`,
  'lab-parity-two-connected': `ip netns add nsa
ip -n nsa link add v1 type veth peer name v2
ip -n nsa link add v3 type veth peer name v4
ip -n nsa link set v1 up
ip -n nsa link set v2 up
ip -n nsa link set v3 up
ip -n nsa link set v4 up
ip -n nsa addr add 10.5.3.1/24 dev v1
ip -n nsa addr add 10.5.3.3/24 dev v3
ip -n nsa addr add 10.5.3.9/24 dev v1
ip -n nsa route
ip -n nsa route add 10.5.3.0/24 dev v2
ip -n nsa route get 10.5.3.7
ip -n nsa route del 10.5.3.0/24
ip -n nsa route`,
  // shell variables and for loops (namespace names stay literal: the harness maps only the names
  // it sees in `ip netns add NAME`; variables carry devices and addresses instead)
  'vars-devices-addresses': `ip netns add nsa
DEV=v1
PEER="v2"
NET=10.7.1
ip -n nsa link add $DEV type veth peer name $PEER
ip -n nsa addr add \${NET}.1/24 dev $DEV
ip -n nsa addr add "$NET.2/24" dev "$PEER"
ADDRS="10.7.3.5/24   10.7.4.6/24"
for a in $ADDRS; do ip -n nsa addr add $a dev $DEV; done
for d in $DEV $PEER; do ip -n nsa link set $d up; done
ip -n nsa route
ip -n nsa addr show $DEV
echo "$DEV and $PEER on $NET.0/24" '$DEV' \\$PEER
ip -n nsa link show "$ADDRS"; echo status $? '$?'
export NET=10.7.9 OTHER
echo $NET $OTHER
unset NET; echo [$NET]`,
  'for-loops-multiline': `ip netns add nsa
ip netns add nsb
for p in a b
do
  ip link add v$p type veth peer name w$p
  ip link set w$p netns nsb
done
ip link set va netns nsa
ip -n nsa link set va up; ip -n nsb link set wa up
ip -n nsa addr add 10.7.2.1/24 dev va
ip -n nsb addr add 10.7.2.2/24 dev wa
for h in 10.7.2.2 10.7.2.1; do
  ip netns exec nsa ping -c 1 -W 1 $h
done
echo ping $?
N=0
for x in 1 2 3; do N=$x; done; echo last $N $x
for i in; do echo never; done; echo empty $?
for i in x; do false; done || echo failed
for d in wa wb wz; do ip -n nsb link show $d >/dev/null && echo has $d; done
E=; echo [$E] ["$E"] $E.
cat <<EOF
dev $N \\$N
EOF
help nope`,
};
