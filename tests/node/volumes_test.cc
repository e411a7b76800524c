// Secret, ConfigMap and emptyDir volumes on a real agent: files in a per-pod
// tmpfs with the spec's modes, bind-mounted at mountPath inside each
// container's mount namespace, updated atomically when the object changes,
// subPath mounts of one file, a missing non-optional Secret keeping the pod
// from starting (FailedMount) until it appears, and nothing left mounted
// after the pod is gone. Containers copy what they see into files under the
// test's private directory, which the test reads from outside.
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>

#include <fstream>
#include <sstream>

#include "api/client/typed.h"
#include "node/runtime/fs.h"
#include "tests/node/fixture.h"

namespace skiff::node::testing {
namespace {

using namespace std::chrono_literals;

bool Running(const api::Pod& p) {
  if (p.status().phase() != "Running") return false;
  for (const auto& c : p.status().container_statuses()) {
    if (!c.state().has_running()) return false;
  }
  return p.status().container_statuses_size() > 0;
}

class VolumeTest : public NodeTest {
 protected:
  std::string Out(const std::string& name) { return work_ + "/out-" + name; }
  std::string Read(const std::string& path) {
    auto r = ReadFile(path);
    return r.ok() ? *r : "";
  }
  void CreateSecret(const std::string& name, const std::map<std::string, std::string>& data) {
    api::Secret s;
    s.mutable_metadata()->set_name(name);
    s.mutable_metadata()->set_namespace_("default");
    for (const auto& [k, v] : data)
      (*s.mutable_data())[k] = v;
    auto r = api::CreateObject(*client_, s);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  api::Volume* AddVolume(api::Pod& pod, const std::string& name) {
    auto* v = pod.mutable_spec()->add_volumes();
    v->set_name(name);
    return v;
  }
  void AddMount(api::Pod& pod, const std::string& volume, const std::string& path,
                const std::string& sub_path = "") {
    auto* m = pod.mutable_spec()->mutable_containers(0)->add_volume_mounts();
    m->set_name(volume);
    m->set_mount_path(path);
    m->set_sub_path(sub_path);
  }
  // True while anything of the pod's volumes is mounted on the node.
  static bool Mounted(const std::string& uid) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(uid) != std::string::npos && line.find("/volumes") != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

TEST_F(VolumeTest, SecretFileIs0400AndFollowsUpdates) {
  CreateSecret("creds", {{"password", "one"}});
  std::string mnt = work_ + "/mnt/creds", out = Out("secret");
  api::Pod pod = MakePod("reader", {"sh", "-c",
                                    "stat -L -c %a " + mnt + "/password > " + out +
                                        ".mode; touch " + mnt + "/x 2>/dev/null || echo ro > " +
                                        out + ".ro; while :; do cat " + mnt + "/password > " + out +
                                        ".tmp && mv " + out + ".tmp " + out + "; sleep 0.2; done"});
  auto* secret = AddVolume(pod, "creds")->mutable_secret();
  secret->set_secret_name("creds");
  // The API's defaulting (api/defaults_pod.cc) fills in Kubernetes' 0644 before the agent sees
  // the pod, so the agent's own 0400 default only applies to specs that skip it: ask explicitly.
  secret->set_default_mode(0400);
  AddMount(pod, "creds", mnt);  // does not exist yet: created for the mount
  auto created = Create(pod);
  ASSERT_TRUE(WaitFor("reader", Running));
  ASSERT_TRUE(Eventually([&] { return Read(out) == "one"; }, 20s)) << Read(out);
  EXPECT_EQ(Read(out + ".mode"), "400\n");
  EXPECT_EQ(Read(out + ".ro"), "ro\n");  // secret volumes are read-only
  // The files live in a tmpfs, never on the node's disk.
  std::string vol = work_ + "/agent/pods/" + created.metadata().uid() + "/volumes";
  struct statfs fs;
  ASSERT_EQ(statfs(vol.c_str(), &fs), 0);
  EXPECT_EQ(fs.f_type, TMPFS_MAGIC);
  // Not visible on the node outside the container's mount namespace.
  EXPECT_FALSE(PathExists(mnt + "/password"));

  auto updated = Mutate<api::Secret>(
      "default", "creds", [](api::Secret& s) { (*s.mutable_data())["password"] = "two"; });
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(Eventually([&] { return Read(out) == "two"; }, 30s)) << Read(out);

  api::DeleteRequest del;
  del.set_kind("Pod");
  del.set_namespace_("default");
  del.set_name("reader");
  ASSERT_TRUE(client_->Delete(del).ok());
  ASSERT_TRUE(WaitGone("reader"));
  EXPECT_FALSE(Mounted(created.metadata().uid()));
  EXPECT_FALSE(PathExists(vol));
}

TEST_F(VolumeTest, ConfigMapItemsModesAndSubPath) {
  api::ConfigMap cm;
  cm.mutable_metadata()->set_name("app");
  cm.mutable_metadata()->set_namespace_("default");
  (*cm.mutable_data())["a.conf"] = "A";
  (*cm.mutable_data())["b.conf"] = "B";
  ASSERT_TRUE(api::CreateObject(*client_, cm).ok());
  std::string cfg = work_ + "/mnt/cfg", single = work_ + "/mnt/single/b.conf";
  std::string whole = work_ + "/mnt/whole", out = Out("cm");
  api::Pod pod = MakePod(
      "cm", {"sh", "-c",
             "{ cat " + cfg + "/conf/a.txt; echo; stat -L -c %a " + cfg + "/conf/a.txt; ls " + cfg +
                 "; cat " + single + "; echo; stat -L -c %a " + whole + "/a.conf; } > " + out +
                 ".tmp; mv " + out + ".tmp " + out + "; sleep 3600"});
  auto* v = AddVolume(pod, "cfg")->mutable_config_map();
  v->set_name("app");
  auto* item = v->add_items();
  item->set_key("a.conf");
  item->set_path("conf/a.txt");
  item->set_mode(0600);
  AddVolume(pod, "whole")->mutable_config_map()->set_name("app");
  AddMount(pod, "cfg", cfg);
  AddMount(pod, "whole", single, "b.conf");  // one file of the volume
  AddMount(pod, "whole", whole);
  Create(pod);
  ASSERT_TRUE(WaitFor("cm", Running));
  ASSERT_TRUE(Eventually([&] { return !Read(out).empty(); }, 20s));
  // a.txt with its item mode; only the listed item; the subPath file; 0644 by default.
  EXPECT_EQ(Read(out), "A\n600\nconf\nB\n644\n");
}

TEST_F(VolumeTest, MissingSecretIsFailedMountUntilItAppears) {
  std::string mnt = work_ + "/mnt/later", out = Out("later");
  api::Pod pod = MakePod("later", {"sh", "-c", "cat " + mnt + "/token > " + out + "; sleep 3600"});
  AddVolume(pod, "token")->mutable_secret()->set_secret_name("later");
  AddMount(pod, "token", mnt);
  // An optional Secret that does not exist is an empty volume.
  auto* opt = AddVolume(pod, "maybe")->mutable_secret();
  opt->set_secret_name("absent");
  opt->set_optional(true);
  AddMount(pod, "maybe", work_ + "/mnt/maybe");
  Create(pod);
  ASSERT_TRUE(Eventually(
      [&] {
        return HasEvent("later", "FailedMount",
                        "MountVolume.SetUp failed for volume \"token\" : secret \"later\" not "
                        "found");
      },
      20s));
  auto p = Get("later");
  ASSERT_TRUE(p);
  EXPECT_FALSE(Running(*p));
  for (const auto& c : p->status().container_statuses())
    EXPECT_EQ(c.state().waiting().reason(), "ContainerCreating");
  CreateSecret("later", {{"token", "t0k3n"}});
  ASSERT_TRUE(WaitFor("later", Running));
  EXPECT_TRUE(Eventually([&] { return Read(out) == "t0k3n"; }, 20s)) << Read(out);
}

TEST_F(VolumeTest, EmptyDirIsSharedAndWritable) {
  std::string mnt = work_ + "/mnt/scratch", out = Out("scratch");
  api::Pod pod = MakePod(
      "scratch",
      {"sh", "-c", "echo hi > " + mnt + "/f && stat -c %a " + mnt + " > " + out + "; sleep 3600"});
  AddVolume(pod, "scratch")->mutable_empty_dir()->set_medium("Memory");
  AddMount(pod, "scratch", mnt);
  auto created = Create(pod);
  ASSERT_TRUE(WaitFor("scratch", Running));
  ASSERT_TRUE(Eventually([&] { return !Read(out).empty(); }, 20s));
  EXPECT_EQ(Read(out), "777\n");
  std::string dir = work_ + "/agent/pods/" + created.metadata().uid() + "/volumes/scratch";
  EXPECT_EQ(Read(dir + "/f"), "hi\n");
}

TEST_F(VolumeTest, HostPathIsTheNodesDirectoryCheckedByType) {
  std::string host = work_ + "/host/logs", mnt = work_ + "/mnt/logs";
  api::Pod pod = MakePod("hostpath", {"sh", "-c", "echo from-pod > " + mnt + "/out; sleep 3600"});
  auto* hp = AddVolume(pod, "logs")->mutable_host_path();
  hp->set_path(host);
  hp->set_type("DirectoryOrCreate");
  AddMount(pod, "logs", mnt);
  Create(pod);
  ASSERT_TRUE(WaitFor("hostpath", Running));
  // The container wrote into the node's directory, which the agent created.
  EXPECT_TRUE(Eventually([&] { return Read(host + "/out") == "from-pod\n"; }, 20s));

  // type File on a missing path: FailedMount naming the check, the pod does not start.
  api::Pod missing = MakePod("hostfile", {"sleep", "3600"});
  auto* f = AddVolume(missing, "cfg")->mutable_host_path();
  f->set_path(work_ + "/host/absent.conf");
  f->set_type("File");
  AddMount(missing, "cfg", work_ + "/mnt/absent.conf");
  Create(missing);
  EXPECT_TRUE(Eventually(
      [&] {
        return HasEvent("hostfile", "FailedMount",
                        "MountVolume.SetUp failed for volume \"cfg\" : hostPath type check "
                        "failed: " +
                            work_ + "/host/absent.conf is not a file");
      },
      20s));
  auto p = Get("hostfile");
  ASSERT_TRUE(p);
  EXPECT_FALSE(Running(*p));
}

TEST_F(VolumeTest, DownwardApiFilesFollowLabelChanges) {
  std::string mnt = work_ + "/mnt/info", out = Out("info");
  api::Pod pod =
      MakePod("info", {"sh", "-c",
                       "while true; do { cat " + mnt + "/name; echo; cat " + mnt + "/labels; } > " +
                           out + ".tmp; mv " + out + ".tmp " + out + "; sleep 0.2; done"});
  (*pod.mutable_metadata()->mutable_labels())["tier"] = "fe";
  auto* items = AddVolume(pod, "info")->mutable_downward_api();
  auto* name = items->add_items();
  name->set_path("name");
  name->mutable_field_ref()->set_field_path("metadata.name");
  auto* labels = items->add_items();
  labels->set_path("labels");
  labels->mutable_field_ref()->set_field_path("metadata.labels");
  AddMount(pod, "info", mnt);
  Create(pod);
  ASSERT_TRUE(WaitFor("info", Running));
  EXPECT_TRUE(Eventually([&] { return Read(out) == "info\ntier=\"fe\""; }, 20s)) << Read(out);
  // A label change reaches the file (kubelet refreshes downward-API volumes on sync).
  auto current = Get("info");
  ASSERT_TRUE(current);
  (*current->mutable_metadata()->mutable_labels())["tier"] = "be";
  auto updated = api::UpdateObject(*client_, *current);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(Eventually([&] { return Read(out) == "info\ntier=\"be\""; }, 30s)) << Read(out);
}

TEST_F(VolumeTest, FsGroupLetsANonRootContainerReadItsSecret) {
  CreateSecret("grp", {{"k", "for-group"}});
  ASSERT_EQ(chmod(work_.c_str(), 0711), 0);  // uid 1000 must reach the mount point below
  std::string mnt = work_ + "/mnt/grp";
  api::Pod pod = MakePod(
      "grp",
      {"sh", "-c", "id -u; cat " + mnt + "/k; echo; stat -L -c '%a %g' " + mnt + "/k; sleep 3600"});
  auto* sc = pod.mutable_spec()->mutable_security_context();
  sc->set_run_as_user(1000);
  sc->set_fs_group(2000);
  auto* secret = AddVolume(pod, "grp")->mutable_secret();
  secret->set_secret_name("grp");
  secret->set_default_mode(0400);
  AddMount(pod, "grp", mnt);
  Create(pod);
  ASSERT_TRUE(WaitFor("grp", Running));
  std::string logs;
  EXPECT_TRUE(Eventually(
      [&] {
        logs = AgentGet("/containerLogs/default/grp/main").second;
        return logs.find("440 2000") != std::string::npos;
      },
      20s))
      << logs;
  EXPECT_EQ(logs, "1000\nfor-group\n440 2000\n");
}

TEST_F(VolumeTest, AgentRestartAdoptsVolumesAndCleansUpDeletedPods) {
  CreateSecret("keep", {{"k", "v1"}});
  std::string mnt = work_ + "/mnt/keep", out = Out("keep");
  api::Pod pod = MakePod("keep", {"sh", "-c",
                                  "while :; do cat " + mnt + "/k > " + out + ".tmp && mv " + out +
                                      ".tmp " + out + "; sleep 0.2; done"});
  AddVolume(pod, "keep")->mutable_secret()->set_secret_name("keep");
  AddMount(pod, "keep", mnt);
  auto created = Create(pod);
  std::string uid = created.metadata().uid();
  ASSERT_TRUE(WaitFor("keep", Running));
  ASSERT_TRUE(Eventually([&] { return Read(out) == "v1"; }, 20s));
  // A restarted agent adopts the pod and its mounted tmpfs, and keeps updating it.
  StopAgent();
  StartAgent();
  auto updated = Mutate<api::Secret>("default", "keep",
                                     [](api::Secret& s) { (*s.mutable_data())["k"] = "v2"; });
  ASSERT_TRUE(updated.ok());
  EXPECT_TRUE(Eventually([&] { return Read(out) == "v2"; }, 30s)) << Read(out);
  EXPECT_TRUE(Mounted(uid));
  // Deleted while the agent is down: the next agent tears it down, tmpfs included.
  StopAgent();
  api::DeleteRequest del;
  del.set_kind("Pod");
  del.set_namespace_("default");
  del.set_name("keep");
  del.set_grace_period_seconds(0);
  ASSERT_TRUE(client_->Delete(del).ok());
  StartAgent();
  EXPECT_TRUE(Eventually([&] { return !Mounted(uid); }, 30s));
  EXPECT_TRUE(Eventually([&] { return !PathExists(work_ + "/agent/pods/" + uid); }, 30s));
}

}  // namespace
}  // namespace skiff::node::testing
