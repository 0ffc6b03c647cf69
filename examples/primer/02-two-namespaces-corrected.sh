# The primer's "Network Namespaces" example, corrected: veth-blue (not veth-vlue) moves to blue,
# and both addresses carry their /24 so each namespace gets the connected route 192.168.12.0/24.
#
# What happens: every command succeeds; red pings blue (3 of 3 replies); afterwards red's and
# blue's ARP tables hold each other's address and MAC, and the host's ARP table stays empty.
ip netns add red
ip netns add blue
$ ip link add veth-red type veth peer name veth-blue
$ ip link set veth-red netns red
$ ip link set veth-blue netns blue
$ ip -n red addr add 192.168.12.1/24 dev veth-red
$ ip -n blue addr add 192.168.12.2/24 dev veth-blue
$ ip -n red link set veth-red up
$ ip -n blue link set veth-blue up
$ ip netns exec red ping -c 3 192.168.12.2
$ ip netns exec red arp -n
$ ip netns exec blue arp -n
$ arp -n
$ ip -n red route
$ ip -n red neigh
