# Three Weave nodes (the primer's "Weaveworks" section): each node a namespace with an underlay
# interface on the shared bridge `underlay` (192.168.0.0/24), a `weave` bridge with the overlay
# router on it, and two pods whose addresses come from IPAM over 10.32.0.0/12, split among the
# three peers. Encapsulation: sleeve (UDP 6783, frames batched per destination peer).
#
# Run: wirestack run examples/weave/three-nodes.sh --pcapng weave-sleeve.pcapng
# Read the underlay with the sleeve dissector:
#   tshark -X lua_script:contrib/wireshark/weave-sleeve.lua -r weave-sleeve.pcapng -Y 'icmp && frame.interface_name == "node1/eth0"'
#
# What happens: every launch prints the peer name; the routers gossip until each knows all three
# peers; `weave attach` prints each pod's address; every pod pings every other pod (30 pings, all
# answered); a 1472-byte ping with DF set gets "Frag needed and DF set (mtu = 1438)" from the
# router (1500 − 62 bytes of sleeve overhead); a 3000-byte one (fragmented by the pod, no DF) is
# fragmented again by the router to the overlay MTU and answered.
# That DF ping gets no reply, as intended: `|| true` keeps the script's status 0, as in bash;
# every other command succeeds.
ip link add underlay type bridge
ip link set underlay up
ip netns add node1
ip netns add node2
ip netns add node3
ip link add veth-node1 type veth peer name eth0
ip link set eth0 netns node1
ip link add veth-node2 type veth peer name eth0
ip link set eth0 netns node2
ip link add veth-node3 type veth peer name eth0
ip link set eth0 netns node3
ip link set veth-node1 master underlay
ip link set veth-node2 master underlay
ip link set veth-node3 master underlay
ip link set veth-node1 up
ip link set veth-node2 up
ip link set veth-node3 up
ip -n node1 addr add 192.168.0.1/24 dev eth0
ip -n node2 addr add 192.168.0.2/24 dev eth0
ip -n node3 addr add 192.168.0.3/24 dev eth0
ip -n node1 link set eth0 up
ip -n node2 link set eth0 up
ip -n node3 link set eth0 up
ip netns exec node1 weave launch --mode sleeve 192.168.0.2 192.168.0.3
ip netns exec node2 weave launch --mode sleeve 192.168.0.1 192.168.0.3
ip netns exec node3 weave launch --mode sleeve 192.168.0.1 192.168.0.2
ip netns exec node1 weave status peers
ip netns add pod1a
ip netns add pod1b
ip netns add pod2a
ip netns add pod2b
ip netns add pod3a
ip netns add pod3b
ip netns exec node1 weave attach pod1a
ip netns exec node1 weave attach pod1b
ip netns exec node2 weave attach pod2a
ip netns exec node2 weave attach pod2b
ip netns exec node3 weave attach pod3a
ip netns exec node3 weave attach pod3b
ip netns exec node1 weave status ipam
# every pod pings every other pod (same node through the weave bridge, other nodes through the overlay)
ip netns exec pod1a ping -c 1 10.32.0.2
ip netns exec pod1a ping -c 1 10.37.85.85
ip netns exec pod1a ping -c 1 10.37.85.86
ip netns exec pod1a ping -c 1 10.42.170.170
ip netns exec pod1a ping -c 1 10.42.170.171
ip netns exec pod1b ping -c 1 10.32.0.1
ip netns exec pod1b ping -c 1 10.37.85.85
ip netns exec pod1b ping -c 1 10.37.85.86
ip netns exec pod1b ping -c 1 10.42.170.170
ip netns exec pod1b ping -c 1 10.42.170.171
ip netns exec pod2a ping -c 1 10.32.0.1
ip netns exec pod2a ping -c 1 10.32.0.2
ip netns exec pod2a ping -c 1 10.37.85.86
ip netns exec pod2a ping -c 1 10.42.170.170
ip netns exec pod2a ping -c 1 10.42.170.171
ip netns exec pod2b ping -c 1 10.32.0.1
ip netns exec pod2b ping -c 1 10.32.0.2
ip netns exec pod2b ping -c 1 10.37.85.85
ip netns exec pod2b ping -c 1 10.42.170.170
ip netns exec pod2b ping -c 1 10.42.170.171
ip netns exec pod3a ping -c 1 10.32.0.1
ip netns exec pod3a ping -c 1 10.32.0.2
ip netns exec pod3a ping -c 1 10.37.85.85
ip netns exec pod3a ping -c 1 10.37.85.86
ip netns exec pod3a ping -c 1 10.42.170.171
ip netns exec pod3b ping -c 1 10.32.0.1
ip netns exec pod3b ping -c 1 10.32.0.2
ip netns exec pod3b ping -c 1 10.37.85.85
ip netns exec pod3b ping -c 1 10.37.85.86
ip netns exec pod3b ping -c 1 10.42.170.170
# path MTU: DF and too big for the overlay → ICMP fragmentation needed from the router
ip netns exec pod1a ping -c 1 -W 1 -s 1472 10.42.170.170 || true
# no DF (the pod fragments to 1500 first): the router fragments to the overlay MTU
ip netns exec pod1a ping -c 1 -s 3000 10.42.170.170
ip netns exec node1 weave status
ip netns exec node1 weave status connections
ip netns exec node1 weave status macs
