# The primer's bridge section, corrected: /24 addresses, blue at 192.168.12.2, both bridge-side
# veth ends enslaved to v-net-0 AND brought up (the primer forgets `up`), the gateway routes in
# blue as `ip netns exec blue ip route add default via 192.168.12.5`.
#
# What happens: every command succeeds; red and blue reach each other and the bridge address
# 192.168.12.5 through v-net-0; the bridge learns both namespaces' MACs (bridge fdb show).
ip netns add red
ip netns add blue
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
ip netns exec blue ip route add default via 192.168.12.5
ip netns exec red ping -c 2 192.168.12.2
ip netns exec blue ping -c 2 192.168.12.5
ip -n blue route
bridge link
bridge fdb show | grep -v permanent
