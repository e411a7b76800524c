// The update `netctl apply` sends for an object that exists: a three-way
// merge of the live object, the manifest, and the manifest applied last time
// (kept, as kubectl does, in the annotation
// kubectl.kubernetes.io/last-applied-configuration).
//
//  - A field set in the manifest takes the manifest's value; nested messages
//    merge field by field, maps key by key.
//  - A field set last time but absent now is cleared (the user removed it);
//    a field never in a manifest keeps its live value (server defaults,
//    allocated clusterIPs and nodePorts, status).
//  - Lists of messages merge element by element when the elements have a
//    key (mountPath, name, containerPort, port, key, ip, type), so fields the
//    server filled inside an element survive; other lists are replaced.
#pragma once

#include <memory>

namespace google::protobuf {
class Message;
}

namespace skiff::netctl {

std::unique_ptr<google::protobuf::Message> ThreeWayMerge(const google::protobuf::Message& live,
                                                         const google::protobuf::Message& manifest,
                                                         const google::protobuf::Message* last);

}  // namespace skiff::netctl
