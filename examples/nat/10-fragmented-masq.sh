# Fragments are reassembled before PREROUTING (nf_defrag_ipv4): a 3000-byte UDP datagram from blue
# arrives as three fragments on v-net-0, is tracked and MASQUERADEd whole, and leaves again
# fragmented with the gateway's source; the answer is translated back.
# Topology (as examples/primer/06): red 192.168.12.1 and blue 192.168.12.2 on the bridge v-net-0
# behind this host (192.168.12.5, ip_forward=1); outside 203.0.113.2 over veth-out (203.0.113.1),
# with no route back to 192.168.12.0/24 unless the script adds one.
# The `#@` lines are comments to bash and `wirestack run`; test/nat/nat-diff.test.ts drives the UDP
# flows they describe on both sides and compares what each side sees (test/nat/nat-diff.ts).

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
ip -n blue link set veth-blue mtu 1280
#@ server outside 9999
#@ udp blue 40000 203.0.113.2 9999 size=3000 => reply from 203.0.113.2:9999
#@ expect-server outside 9999 => 203.0.113.1:40000
#@ conntrack
