# Loopback and unconfirmed connections. The host's own UDP to 203.0.113.1:5353 is DNATed in nat
# OUTPUT to port 53 and loops over lo: the kernel keeps the conntrack entry attached across lo, so
# PREROUTING does not track it again and the listing holds ONE entry for it; the answer is
# un-DNATed to come from :5353. A DNAT to ANOTHER local address (192.168.12.5:53) gets no answer:
# the server's reply leaves from the address the route picks (203.0.113.1), matches no reply tuple
# and starts a second, unrelated entry, so the connected client drops it. blue's datagram
# and ping to 198.51.100.1 (the gateway has no route there: ICMP net unreachable) never reach
# POSTROUTING, so their entries are never confirmed and vanish with the packets.
# Topology (as examples/primer/06): red 192.168.12.1 and blue 192.168.12.2 on the bridge v-net-0
# behind this host (192.168.12.5, ip_forward=1); outside 203.0.113.2 over veth-out (203.0.113.1),
# with no route back to 192.168.12.0/24 unless the script adds one.
# The `#@` lines are comments to bash and `wirestack run`; test/nat/nat-diff.test.ts drives the UDP

ip netns add red
ip netns add blue
ip netns add outside
ip link add v-net-0 type bridge
ip link set dev v-net-0 up
ip link add veth-red type veth peer name veth-red-br
ip link add veth-blue type veth peer name veth-blue-br
ip link set veth-red netns red
ip link set veth-red-br master v-net-0
ip link set veth-blue netns blue
ip link set veth-blue-br master v-net-0
ip link set veth-red-br up
ip link set veth-blue-br up
ip -n red addr add 192.168.12.1/24 dev veth-red
ip -n blue addr add 192.168.12.2/24 dev veth-blue
ip -n red link set veth-red up
ip -n blue link set veth-blue up
ip addr add 192.168.12.5/24 dev v-net-0
ip link add veth-out type veth peer name veth-in
ip link set veth-in netns outside
ip addr add 203.0.113.1/24 dev veth-out
ip link set veth-out up
ip -n outside addr add 203.0.113.2/24 dev veth-in
ip -n outside link set veth-in up
ip -n red route add default via 192.168.12.5
ip -n blue route add default via 192.168.12.5
sysctl -qw net.ipv4.ip_forward=1

iptables -t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE
iptables -t nat -A OUTPUT -p udp -d 203.0.113.1 --dport 5353 -j DNAT --to-destination 203.0.113.1:53
iptables -t nat -A OUTPUT -p udp -d 203.0.113.1 --dport 5354 -j DNAT --to-destination 192.168.12.5:53
#@ server host 53
#@ udp host 40000 203.0.113.1 5353 => reply from 203.0.113.1:5353
#@ udp host 40002 203.0.113.1 5354 wait=0.5 => timeout
#@ udp blue 40001 198.51.100.1 9 wait=0.5 => icmp 3/0 from 192.168.12.5 ttl=64 quote=450000210000400040110000c0a80c02c63364019c410009000d000068656c6c6f
#@ sh ip netns exec blue ping -c 1 -W 1 198.51.100.1
#@ expect-server host 53 => 203.0.113.1:40000 203.0.113.1:40002
#@ conntrack
