# The primer's NAT section as written (steps #10 to #13), on the corrected bridge network of 04
# with an "outside" namespace behind the host (veth-out 203.0.113.1/24 ↔ outside 203.0.113.2/24).
#
# What happens:
#  * #10 `ip netns exec blue ip route add 192.168.12.0/24 via 192.168.12.5` fails: blue already has
#    that connected route ("RTNETLINK answers: File exists"), and no default route is ever added.
#  * #11 the MASQUERADE rule is valid and is accepted.
#  * #12 `ip netnx exec …` is a typo: "Object "netnx" is unknown, try "ip help"." (exit 1).
#  * blue's ping to 203.0.113.2 then fails at once ("Network is unreachable"): without a default
#    route the packet never reaches the gateway, and the primer never sets ip_forward=1 either.
#  * #13 the port forward is not an iptables command: `--dport` needs `-p tcp|udp` in front, there
#    is no target called NAT (DNAT is meant) and `--to-destination` belongs to it. iptables 1.8.9
#    stops at the first problem: `unknown option "--dport"`, exit 2, and no rule is added.
#  * iptables -t nat -S lists the MASQUERADE rule only.
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
ip netns exec blue ip route add 192.168.12.0/24 via 192.168.12.5
iptables -t nat -A POSTROUTING -s 192.168.12.0/24 -j MASQUERADE
ip netnx exec blue ip route add default via 192.168.12.5
ip netns exec blue ping -c 2 203.0.113.2
iptables -t nat -A PREROUTING --dport 80 --to-destination 192.168.12.2:80 -j NAT
iptables -t nat -S
