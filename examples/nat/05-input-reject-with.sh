# filter INPUT on the gateway: REJECT with each --reject-with type answers the matching ICMP
# error (quoting the datagram), DROP answers nothing; the policy lets the rest in.
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

iptables -A INPUT -p udp --dport 7000 -j REJECT
iptables -A INPUT -p udp --dport 7001 -j REJECT --reject-with icmp-host-prohibited
iptables -A INPUT -p udp --dport 7002 -j REJECT --reject-with icmp-net-unreachable
iptables -A INPUT -p udp --dport 7003 -j REJECT --reject-with icmp-admin-prohibited
iptables -A INPUT -p udp --dport 7004 -j DROP
iptables -A INPUT -p udp --dport 7005 -j REJECT --reject-with icmp-host-unreachable
#@ server host 7000
#@ server host 7004
#@ server host 7006
#@ udp outside 41000 203.0.113.1 7000 => icmp 3/3 from 203.0.113.1 ttl=64 quote=450000210000400040110000cb007102cb007101a0281b58000d000068656c6c6f
#@ udp outside 41001 203.0.113.1 7001 wait=0.5
#@ udp outside 41002 203.0.113.1 7002 wait=0.5
#@ udp outside 41003 203.0.113.1 7003 wait=0.5
#@ udp outside 41004 203.0.113.1 7004 wait=0.5 => timeout
#@ udp outside 41005 203.0.113.1 7005 wait=0.5
#@ udp outside 41006 203.0.113.1 7006 => reply from 203.0.113.1:7006
#@ expect-server host 7004 =>
#@ sh iptables -L INPUT -n -v
