-- vita-ske.lua: a Wireshark dissector for Vita's key exchange "vita-ske",
-- version 5 (shared/spec/PROTOCOL.md section 2), written from the spec.
--
-- Install: copy this one file into ~/.local/lib/wireshark/plugins/ (the
-- personal Lua plugins folder; Wireshark >= 3.x, tested with 4.0), or load
-- it for one run: tshark -X lua_script:vita-ske.lua -r capture.pcap
--
-- UDP port 303 by default; the preference "vita_ske.port" (Edit >
-- Preferences > Protocols > VITA-SKE, or -o vita_ske.port:4303) changes it,
-- matching the gateway's `protocol-port`.
--
-- Every UDP payload on the port is one transport header (8 bytes) followed
-- by exactly one message:
--   header:    route SPI(4) | type(1): 11 knock, 12 challenge, 13 proposal,
--              14 agreement | reserved(3), zero
--   knock      (4):  version(4)
--   challenge  (68): version(4) aead[32] nonce[32]
--   proposal   (80): ne[32] payload[32] tag[16]
--   agreement  (80): ne[32] payload[32] tag[16]
-- version must be 5; aead is "aes-gcm-16-icv" zero-padded to 32 bytes. The
-- payload (the sender's inbound ESP SPI and 28 zero bytes) is encrypted
-- (Noise NNpsk0): shown as bytes.
--
-- Expert info (filter on the names, e.g. `vita_ske.expert.length`):
--   vita_ske.expert.short      error  shorter than the transport header
--   vita_ske.expert.length     error  message length wrong for its type
--   vita_ske.expert.type       error  unknown message type
--   vita_ske.expert.reserved   warn   reserved header bytes not zero
--   vita_ske.expert.version    error  version is not 5
--   vita_ske.expert.aead       error  aead is not "aes-gcm-16-icv"
--   vita_ske.expert.spi        warn   route SPI below 256 (reserved SPIs)

local DEFAULT_PORT = 303
local VERSION = 5
local AEAD = "aes-gcm-16-icv"
local HEADER_SIZE = 8

local TYPE_NAMES = {
  [11] = "knock",
  [12] = "challenge",
  [13] = "proposal",
  [14] = "agreement",
}
local TYPE_SIZES = { [11] = 4, [12] = 68, [13] = 80, [14] = 80 }

local ske = Proto("vita_ske", "Vita key exchange (vita-ske v5)")

local f = {
  spi = ProtoField.uint32("vita_ske.spi", "Route SPI", base.DEC),
  type = ProtoField.uint8("vita_ske.type", "Message type", base.DEC, TYPE_NAMES),
  reserved = ProtoField.uint24("vita_ske.reserved", "Reserved", base.HEX),
  msg_length = ProtoField.uint32("vita_ske.message_length", "Message length", base.DEC),
  version = ProtoField.uint32("vita_ske.version", "Version", base.DEC),
  aead = ProtoField.stringz("vita_ske.aead", "AEAD"),
  aead_bytes = ProtoField.bytes("vita_ske.aead_bytes", "AEAD (raw)"),
  nonce = ProtoField.bytes("vita_ske.nonce", "Nonce"),
  ne = ProtoField.bytes("vita_ske.ne", "Ephemeral public key (ne)"),
  payload = ProtoField.bytes("vita_ske.payload", "Encrypted payload"),
  tag = ProtoField.bytes("vita_ske.tag", "Tag"),
  trailing = ProtoField.bytes("vita_ske.trailing", "Trailing bytes"),
  data = ProtoField.bytes("vita_ske.data", "Message data"),
}
ske.fields = { f.spi, f.type, f.reserved, f.msg_length, f.version, f.aead, f.aead_bytes,
               f.nonce, f.ne, f.payload, f.tag, f.trailing, f.data }

local e = {
  short = ProtoExpert.new("vita_ske.expert.short", "Shorter than the 8-byte transport header",
                          expert.group.MALFORMED, expert.severity.ERROR),
  length = ProtoExpert.new("vita_ske.expert.length", "Message length wrong for its type",
                           expert.group.MALFORMED, expert.severity.ERROR),
  type = ProtoExpert.new("vita_ske.expert.type", "Unknown message type",
                         expert.group.MALFORMED, expert.severity.ERROR),
  reserved = ProtoExpert.new("vita_ske.expert.reserved", "Reserved header bytes not zero",
                             expert.group.PROTOCOL, expert.severity.WARN),
  version = ProtoExpert.new("vita_ske.expert.version", "Version is not 5",
                            expert.group.PROTOCOL, expert.severity.ERROR),
  aead = ProtoExpert.new("vita_ske.expert.aead", "AEAD is not aes-gcm-16-icv",
                         expert.group.PROTOCOL, expert.severity.ERROR),
  spi = ProtoExpert.new("vita_ske.expert.spi", "Route SPI below 256",
                        expert.group.PROTOCOL, expert.severity.WARN),
}
ske.experts = { e.short, e.length, e.type, e.reserved, e.version, e.aead, e.spi }

ske.prefs.port = Pref.uint("UDP port", DEFAULT_PORT,
                           "UDP port of the key exchange (the gateway's protocol-port)")

-- Adds `size` bytes at `offset` as field `field` if they are all there;
-- returns the item or nil (and the caller stops: the length expert says why).
local function add_fixed(tree, field, tvb, offset, size)
  if tvb:len() < offset + size then
    if tvb:len() > offset then tree:add(f.trailing, tvb(offset)) end
    return nil
  end
  return tree:add(field, tvb(offset, size))
end

local function dissect_version(tree, tvb, offset)
  local item = add_fixed(tree, f.version, tvb, offset, 4)
  if item == nil then return false end
  local version = tvb(offset, 4):uint()
  if version ~= VERSION then
    item:add_proto_expert_info(e.version, "Version is " .. version .. ", not 5")
  end
  return true
end

local function dissect_aead(tree, tvb, offset)
  if tvb:len() < offset + 32 then
    if tvb:len() > offset then tree:add(f.trailing, tvb(offset)) end
    return false
  end
  local range = tvb(offset, 32)
  -- Read the bytes before adding the stringz item (adding it shortens the
  -- range to the string in Wireshark 4.0).
  local raw = range:raw()
  local shown = tvb(offset, 32):stringz()
  local item = tree:add(f.aead, tvb(offset, 32))
  local expected = AEAD .. string.rep("\0", 32 - #AEAD)
  if raw ~= expected then
    item:add_proto_expert_info(e.aead, "AEAD is \"" .. shown .. "\", not \"" .. AEAD ..
                               "\" zero-padded to 32 bytes")
    tree:add(f.aead_bytes, tvb(offset, 32))
  end
  return true
end

function ske.dissector(tvb, pinfo, tree)
  local length = tvb:len()
  if length == 0 then return 0 end
  pinfo.cols.protocol = "VITA-SKE"
  local root = tree:add(ske, tvb(), "Vita key exchange (vita-ske v5)")

  if length < HEADER_SIZE then
    root:add(f.data, tvb())
    root:add_proto_expert_info(e.short, "Shorter than the transport header: " .. length ..
                               " bytes, 8 needed")
    pinfo.cols.info = "Malformed vita-ske (" .. length .. " bytes)"
    return length
  end

  local spi = tvb(0, 4):uint()
  local mtype = tvb(4, 1):uint()
  local name = TYPE_NAMES[mtype]
  local header = root:add(tvb(0, HEADER_SIZE), "Transport header")
  local spi_item = header:add(f.spi, tvb(0, 4))
  if spi < 256 then spi_item:add_proto_expert_info(e.spi) end
  local type_item = header:add(f.type, tvb(4, 1))
  local reserved_item = header:add(f.reserved, tvb(5, 3))
  if tvb(5, 3):uint() ~= 0 then
    reserved_item:add_proto_expert_info(e.reserved)
  end

  local message_length = length - HEADER_SIZE
  local label = name or ("type " .. mtype)
  pinfo.cols.info = label .. ", route SPI " .. spi
  root:append_text(": " .. label .. ", route SPI " .. spi)
  local message = root:add(tvb(HEADER_SIZE), "Message: " .. label)
  message:add(f.msg_length, message_length):set_generated()

  if name == nil then
    type_item:add_proto_expert_info(e.type, "Unknown message type " .. mtype ..
                                    " (11 knock, 12 challenge, 13 proposal, 14 agreement)")
    if message_length > 0 then message:add(f.data, tvb(HEADER_SIZE)) end
    pinfo.cols.info:append(" [unknown type]")
    return length
  end

  local size = TYPE_SIZES[mtype]
  if message_length ~= size then
    message:add_proto_expert_info(e.length, "A " .. name .. " is " .. size .. " bytes, this one " ..
                                  message_length)
    pinfo.cols.info:append(" [wrong length " .. message_length .. "]")
  end

  local o = HEADER_SIZE
  if mtype == 11 then
    if dissect_version(message, tvb, o) then
      pinfo.cols.info:append(", version " .. tvb(o, 4):uint())
    end
    o = o + 4
  elseif mtype == 12 then
    if dissect_version(message, tvb, o) then
      pinfo.cols.info:append(", version " .. tvb(o, 4):uint())
      if dissect_aead(message, tvb, o + 4) then
        add_fixed(message, f.nonce, tvb, o + 36, 32)
      end
    end
    o = o + 68
  else
    if add_fixed(message, f.ne, tvb, o, 32) and add_fixed(message, f.payload, tvb, o + 32, 32) then
      add_fixed(message, f.tag, tvb, o + 64, 16)
    end
    o = o + 80
  end
  if length > o then message:add(f.trailing, tvb(o)) end
  return length
end

local registered_port = nil
local function register_port()
  local udp = DissectorTable.get("udp.port")
  if registered_port ~= nil then udp:remove(registered_port, ske) end
  registered_port = ske.prefs.port
  udp:add(registered_port, ske)
end

function ske.prefs_changed()
  if registered_port ~= ske.prefs.port then register_port() end
end

register_port()
