// src/pcap public surface.
export * from './record.ts';
export * from './capture.ts';
export { PcapWriter, type PcapWriterOptions, PCAP_MAGIC_US, PCAP_MAGIC_NS } from './pcap-writer.ts';
export { PcapngWriter, type PcapngWriterOptions } from './pcapng-writer.ts';
export { PcapReader } from './pcap-reader.ts';
export { PcapngReader } from './pcapng-reader.ts';
export { MemorySink, fileSink, type ChunkSink } from './chunk-sink.ts';
export { LinkType, linkTypeName, linkTypeForMedium } from './linktype.ts';
