# The primer's NAT section, corrected, on the bridge network of 04: the host is the gateway
# (192.168.12.5 on v-net-0) and reaches an "outside" namespace over veth-out (203.0.113.1/24 ↔
# 203.0.113.2/24). outside has NO route back to 192.168.12.0/24, like a host on the internet.
#
# What happens:
#  * ip_forward=1 and `iptables -t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE`: blue's pings
#    to 203.0.113.2 leave the gateway with source 203.0.113.1 (veth-out's address), outside answers
#    203.0.113.1 and conntrack translates the replies back to 192.168.12.2: 0% loss.
#  * The port forward as iptables accepts it: `-p udp --dport 5353 -j DNAT --to-destination
#    192.168.12.2:53` (there is no TCP in the lab, so a UDP port stands in for port 80). A query from
#    outside to 203.0.113.1:5353 is rewritten to 192.168.12.2:53; nothing listens in blue, so blue
#    answers ICMP port unreachable, which the gateway translates back (from 203.0.113.1, quoting
#    203.0.113.1:5353): dig gets no DNS answer and exits 9 (the lab's dig does not yet report the
#    ICMP error as "connection refused" as the real one does). With a UDP socket bound to port 53
#    in blue the forward carries queries and answers both ways (test/shell/primer-nat.test.ts).
#  * conntrack -L on the gateway lists the ICMP flow (MASQUERADEd: reply dst 203.0.113.1) and the
#    UDP flow (DNATed: reply src 192.168.12.2 port 53, [UNREPLIED] since only an ICMP error came back).
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
ip netns exec blue ip route add default via 192.168.12.5
ip netns exec red ip route add default via 192.168.12.5
sysctl -w net.ipv4.ip_forward=1
iptables -t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE
ip netns exec blue ping -c 2 203.0.113.2
iptables -t nat -A PREROUTING -p udp --dport 5353 -j DNAT --to-destination 192.168.12.2:53
ip netns exec outside dig @203.0.113.1 -p 5353 +tries=1 +time=1 example.com
iptables -t nat -S
conntrack -L
