# The primer's "Network Namespaces" example, exactly as written (typos included).
#
# What happens (on Linux and in wirestack alike):
# - `ip link set veth-vlue netns blue` fails: Cannot find device "veth-vlue" (exit 1), so veth-blue
#   stays in the host namespace;
# - `ip -n blue addr add … dev veth-blue` and `ip -n blue link set veth-blue up` then fail too:
#   Cannot find device "veth-blue" (it is not in blue);
# - the addresses are given without a prefix, so 192.168.12.1 is a /32 with no connected route:
#   `ping 192.168.12.2` from red fails at once with "ping: connect: Network is unreachable" (exit 2).
ip netns add red
ip netns add blue

#1. Create a connection between 2 virtal ethernet ports of type veth
$ ip link add veth-red type veth peer name veth-blue   # Create the connection pipe and include the interfaces that it will be connecting.

#2. Link the virtual ethernet ports to the correct network namespaces
$ ip link set veth-red netns red   # attach the virtual interface veth-red to the network interface red
$ ip link set veth-vlue netns blue   # attach the virtual interface veth-blue to the network interface blue

#3. Assing IP addresses to the virtual ethernet ports created on both the namespaces
$ ip -n red addr add 192.168.12.1 dev veth-red   # attaching the IP address to the red ethernet interface
$ ip -n blue addr add 192.168.12.2 dev veth-blue   # attaching the IP address to the blue ethernet interface

#4. Activate the network interfaces
$ ip -n red link set veth-red up
$ ip -n blue link set veth-blue up

#5. Ping the blue namespace from the red namespace to test
$ ip netns exec red ping 192.168.12.2   # ip address of blue being pinged from red ns.

$ ip netns exec red arp   # will have an entry for the blue namespace IP address and MAC
$ ip netns exec blue arp   # will have an entry for the red nemepace IP addr and MAC
$ arp   # will bring up the host ARP details and will not have either of the namespaces's IP's
