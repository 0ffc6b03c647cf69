-- Wireshark dissector for Weave Net's "sleeve" overlay (unencrypted), as router/sleeve.go and
-- router/frame_crypto.go lay it out:
--   sender peer name (6) then, per frame: capturing peer (6), destination peer (6), length (2, BE),
--   Ethernet frame (length bytes).
-- Weave's sleeve UDP socket uses the router port 6783; fastdp VXLAN uses 6784. Both ports are
-- registered here; a 6784 datagram that looks like VXLAN (flags 0x08, reserved zero) goes to the
-- built-in vxlan dissector instead.
-- Use: tshark -X lua_script:contrib/wireshark/weave-sleeve.lua -r file.pcap
local p = Proto("weavesleeve", "Weave Net Sleeve")

local f_sender = ProtoField.ether("weavesleeve.sender", "Sender peer")
local f_capturer = ProtoField.ether("weavesleeve.capturer", "Capturing peer")
local f_dest = ProtoField.ether("weavesleeve.destination", "Destination peer")
local f_len = ProtoField.uint16("weavesleeve.length", "Frame length", base.DEC)
local f_count = ProtoField.uint16("weavesleeve.frames", "Frames", base.DEC)
p.fields = { f_sender, f_capturer, f_dest, f_len, f_count }

local e_trunc = ProtoExpert.new("weavesleeve.truncated", "Frame length runs past the datagram", expert.group.MALFORMED, expert.severity.ERROR)
local e_garbage = ProtoExpert.new("weavesleeve.garbage", "Trailing garbage after the last frame", expert.group.MALFORMED, expert.severity.WARN)
p.experts = { e_trunc, e_garbage }

local eth = Dissector.get("eth_withoutfcs")
local vxlan = Dissector.get("vxlan")

local function looks_like_vxlan(tvb)
  return tvb:len() >= 8 and tvb(0, 1):uint() == 0x08 and tvb(1, 3):uint() == 0 and tvb(7, 1):uint() == 0
end

function p.dissector(tvb, pinfo, tree)
  local n = tvb:len()
  if pinfo.dst_port == 6784 and looks_like_vxlan(tvb) then
    return vxlan:call(tvb, pinfo, tree)
  end
  if n < 6 then return 0 end
  pinfo.cols.protocol = "Weave"
  local t = tree:add(p, tvb(), "Weave Net Sleeve")
  t:add(f_sender, tvb(0, 6))
  local pos = 6
  local count = 0
  local summary = {}
  while n - pos >= 14 do
    local len = tvb(pos + 12, 2):uint()
    local ft = t:add(p, tvb(pos, math.min(14 + len, n - pos)), "Frame " .. (count + 1))
    ft:add(f_capturer, tvb(pos, 6))
    ft:add(f_dest, tvb(pos + 6, 6))
    ft:add(f_len, tvb(pos + 12, 2))
    pos = pos + 14
    if n - pos < len then
      ft:add_proto_expert_info(e_trunc)
      break
    end
    count = count + 1
    if len > 0 then
      eth:call(tvb(pos, len):tvb(), pinfo, tree)
    end
    pos = pos + len
  end
  if pos < n and n - pos < 14 then t:add_proto_expert_info(e_garbage) end
  t:add(f_count, count):set_generated()
  pinfo.cols.protocol = "Weave"
  pinfo.cols.info = "Weave sleeve from " .. tostring(tvb(0, 6):ether()) .. ", " .. count .. " frame" .. (count == 1 and "" or "s")
  return n
end

local udp = DissectorTable.get("udp.port")
udp:add(6783, p)
udp:add(6784, p)
