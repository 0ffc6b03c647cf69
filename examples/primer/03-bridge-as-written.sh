# The primer's bridge section, exactly as written (typos included), starting from the state the
# two-namespace section leaves (red and blue joined by a veth pair, addresses without prefix).
# Lines marked "(added)" only show the state at the end.
#
# What happens (on Linux and in wirestack alike):
# - `ip -n red link del veth-blue` fails: Cannot find device "veth-blue" (it is in blue, and it
#   already went away with veth-red, its peer);
# - `lp link set veth-blue-br master v-net-0` is "lp: command not found" (127): veth-blue-br never
#   joins the bridge; and the primer never brings veth-red-br / veth-blue-br up;
# - blue gets 193.168.12.2 (typo) as a /32, so `ip route add 192.168.12.0/24 via 192.168.12.5` in
#   blue fails: "Error: Nexthop has invalid gateway." (the gateway is on no connected subnet);
# - `ip netnx exec …` is `Object "netnx" is unknown, try "ip help".` (exit 1);
# - red cannot reach the bridge address 192.168.12.5: red's 192.168.12.1 is a /32 (no route).
ip netns add red
ip netns add blue
ip link add veth-red type veth peer name veth-blue
ip link set veth-red netns red
ip link set veth-blue netns blue
ip -n red addr add 192.168.12.1 dev veth-red
ip -n blue addr add 192.168.12.2 dev veth-blue
ip -n red link set veth-red up
ip -n blue link set veth-blue up

#1. Create a bridge ethernet interface on the host
$ ip link add v-net-0 type bridge

#2. It should appear in the list of ip-links available
$ ip link

#3. To bring it up (by default it is down at creation)
$ ip link set dev v-net-0 up

#4. (optional) delete the old veth pair
$ ip -n red link del veth-red   # delete the red interface
$ ip -n red link del veth-blue   # delete the blue interface (this one actually gets deleted automatically since they're a pair)

#5. Connect the red network to the bridge
$ ip link add veth-red type veth peer name veth-red-br   # veth-red-br is the interface name on the bridge end
$ ip link add veth-blue type veth peer name veth-blue-br   # veth-blue-br is the interface name on the bridge end

#6. Now attach the veth-red interface name to the red network and the veth-red-br interface to the bridge network
$ ip link set veth-red netns red
$ ip link set veth-red-br master v-net-0

# and the same thing for the blue network

$ ip link set veth-blue netns blue
$ lp link set veth-blue-br master v-net-0

#7. Now attach IP addresses to the 2 networks

$ ip -n red addr add 192.168.12.1 dev veth-red
$ ip -n blue addr add 193.168.12.2 dev veth-blue

#8. Start the interface so the 2 networks are connected to the bridge
$ ip -n red link set veth-red up
$ ip -n blue link set veth-blue up

#9. the bridge in between also needs an IP
$ ip addr add 192.168.12.5/24 dev v-net-0   # assigns an IP address to the bridge 

#10. The gateway's IP address on the private network is assumed 192.168.12.5
$ ip netns exec blue ip route add 192.168.12.0/24 via 192.168.12.5

#12. Setup the gatway node as the Default route
$ ip netnx exec blue ip route add default via 192.168.12.5

# (added) the state at the end
ip netns exec red ping -c 2 -W 1 192.168.12.5
bridge link
ip -n blue route
