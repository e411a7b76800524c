#include "controlplane/server/server.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api/client/config.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/net.h"
#include "controlplane/apiserver/grpc_service.h"
#include "controlplane/apiserver/local_client.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/auth/authenticator.h"
#include "controlplane/auth/node_authorizer.h"
#include "controlplane/auth/pki.h"
#include "controlplane/auth/rbac_authorizer.h"
#include "controlplane/auth/signed_tokens.h"
#include "controlplane/auth/tokens.h"
#include "controlplane/autoscaler/hpa_controller.h"
#include "controlplane/controllers/cronjob_controller.h"
#include "controlplane/controllers/daemonset_controller.h"
#include "controlplane/controllers/deployment_controller.h"
#include "controlplane/controllers/endpoints_controller.h"
#include "controlplane/controllers/endpointslice_controller.h"
#include "controlplane/controllers/endpointslice_mirroring_controller.h"
#include "controlplane/controllers/garbage_collector.h"
#include "controlplane/controllers/job_controller.h"
#include "controlplane/controllers/namespace_controller.h"
#include "controlplane/controllers/node_lifecycle_controller.h"
#include "controlplane/controllers/replicaset_controller.h"
#include "controlplane/controllers/serviceaccount_controller.h"
#include "controlplane/controllers/statefulset_controller.h"
#include "controlplane/metrics/collector.h"
#include "controlplane/metrics/scraper.h"
#include "controlplane/metrics/service.h"
#include "controlplane/scheduler/scheduler.h"
#include "controlplane/secrets/encrypting_store.h"
#include "controlplane/server/kubernetes_service.h"
#include "controlplane/store/store.h"

namespace skiff::server {

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<auth::TokenAuthenticator> static_tokens;
  std::unique_ptr<auth::TokenSigner> signer;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<apiserver::Registry> registry;
  std::unique_ptr<apiserver::ApiService> service;
  // Holds pointers only; grpc_server (destroyed first) calls into it.
  std::unique_ptr<metrics::MetricsService> metrics_service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<http::Server> metrics;
  std::unique_ptr<apiserver::LocalClient> local_client;
  // After local_client and registry: destroyed first (their informers use them).
  std::shared_ptr<auth::NodeAuthorizer> node_authorizer;
  std::shared_ptr<auth::RbacAuthorizer> rbac;
  std::unique_ptr<auth::Authorizer> authorizer;
  // Stopped in Shutdown() before anything it uses goes away.
  std::unique_ptr<metrics::HttpScraper> metrics_scraper;
  std::unique_ptr<metrics::Collector> collector;
  std::vector<std::unique_ptr<controllers::Controller>> controllers;
  std::unique_ptr<scheduler::Scheduler> scheduler;
  std::string admin_config;
  int port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool stopped = false;  // Shutdown() has finished
  std::thread compactor;

  void CompactLoop() {
    // Like the Kubernetes API server: every interval, compact to the revision
    // seen one interval earlier, so watchers have a full interval to catch up.
    int64_t previous = 0;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, options.compaction_interval, [&] { return stopping; })) {
      lock.unlock();
      auto current = store->CurrentRevision();
      if (current.ok()) {
        auto compacted = store->CompactedRevision();
        if (previous > 0 && compacted.ok() && previous > *compacted) {
          Status s = store->Compact(previous);
          if (!s.ok())
            log::Get("server")->warn("compaction to {} failed: {}", previous, s.ToString());
        }
        previous = *current;
      }
      lock.lock();
    }
  }
};

namespace {

Status PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("create data dir " + dir + ": " + ec.message());
  chmod(dir.c_str(), 0700);
  return Status::Ok();
}

Status ValidateAutoscalingOptions(const ServerOptions& o) {
  auto positive = [](std::chrono::milliseconds d, const char* flag) {
    return d.count() > 0 ? Status::Ok()
                         : InvalidArgument(std::string("--") + flag + ": must be positive");
  };
  if (o.metrics_resolution.count() < 0) {
    return InvalidArgument("--metrics-resolution: must not be negative (0 disables)");
  }
  SKIFF_RETURN_IF_ERROR(positive(o.hpa_sync_period, "horizontal-pod-autoscaler-sync-period"));
  if (!(o.hpa_tolerance >= 0 && o.hpa_tolerance < 1)) {
    return InvalidArgument("--horizontal-pod-autoscaler-tolerance: must be in [0, 1), got " +
                           std::to_string(o.hpa_tolerance));
  }
  if (o.hpa_downscale_stabilization.count() < 0) {
    return InvalidArgument(
        "--horizontal-pod-autoscaler-downscale-stabilization: must not be negative");
  }
  if (o.hpa_cpu_initialization_period.count() < 0 || o.hpa_initial_readiness_delay.count() < 0) {
    return InvalidArgument(
        "--horizontal-pod-autoscaler-cpu-initialization-period and "
        "--horizontal-pod-autoscaler-initial-readiness-delay: must not be negative");
  }
  return Status::Ok();
}

autoscaler::HpaControllerOptions HpaOptions(const ServerOptions& o) {
  autoscaler::HpaControllerOptions h;
  h.sync_period = o.hpa_sync_period;
  h.decision.tolerance = o.hpa_tolerance;
  h.decision.downscale_stabilization = o.hpa_downscale_stabilization;
  h.decision.calculator.cpu_initialization_period = o.hpa_cpu_initialization_period;
  h.decision.calculator.delay_of_initial_readiness_status = o.hpa_initial_readiness_delay;
  return h;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  SKIFF_RETURN_IF_ERROR(ValidateAutoscalingOptions(options));
  SKIFF_RETURN_IF_ERROR(PrepareDataDir(options.data_dir));
  std::string store_spec = options.store.empty() ? "sqlite:" + options.data_dir : options.store;
  auto store = store::OpenStore(store_spec);
  if (!store.ok()) return store.status().WithContext("--store " + store_spec);
  impl->store = std::move(*store);
  if (options.encryption_config != "none") {
    std::string path = options.encryption_config.empty() ? options.data_dir + "/encryption.yaml"
                                                         : options.encryption_config;
    if (options.encryption_config.empty()) {
      auto wrote = secrets::WriteDefaultEncryptionConfig(path);
      if (!wrote.ok()) return wrote.status();
      if (*wrote) log::Get("server")->info("wrote a new encryption key to {}", path);
    }
    auto config = secrets::LoadEncryptionConfig(path);
    if (!config.ok()) return config.status().WithContext("--encryption-provider-config");
    impl->store =
        std::make_unique<secrets::EncryptingStore>(std::move(impl->store), std::move(*config));
  }
  // A remote store may still be starting (etcd next to us): retry a while.
  auto rev = impl->store->CurrentRevision();
  for (int attempt = 0; !rev.ok() && attempt < options.store_connect_attempts; ++attempt) {
    log::Get("server")->warn("store {} not reachable yet: {}", store_spec, rev.status().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    rev = impl->store->CurrentRevision();
  }
  if (!rev.ok()) return rev.status().WithContext("store " + store_spec + " is not reachable");

  std::string admin_token;
  auto authn =
      auth::TokenAuthenticator::LoadOrCreate(options.data_dir + "/tokens.csv", &admin_token);
  if (!authn.ok()) return authn.status();
  impl->static_tokens = std::move(*authn);
  auto signer = auth::TokenSigner::LoadOrCreate(options.data_dir + "/token-signing.key");
  if (!signer.ok()) return signer.status();
  impl->signer = std::make_unique<auth::TokenSigner>(std::move(*signer));
  auto listen = net::ParseHostPort(options.listen);
  if (!listen.ok()) return listen.status().WithContext("--listen");
  KubernetesServiceOptions kubernetes;
  kubernetes.service_cidrs = options.ranges.service_cidrs;
  kubernetes.advertise_address = options.advertise_address.empty()
                                     ? DefaultAdvertiseAddress(listen->host)
                                     : options.advertise_address;
  // Pods reach the API as kubernetes.default.svc (the Service's ClusterIP) or at the
  // advertise address: the serving certificate names them all, as kube-apiserver's does.
  std::vector<std::string> sans = options.tls_sans;
  for (std::string& san : KubernetesServiceNames(kubernetes))
    sans.push_back(std::move(san));
  auto pki = auth::LoadOrCreatePki(options.data_dir, sans);
  if (!pki.ok()) return pki.status();

  auto plugins = apiserver::DefaultAdmissionPlugins(*impl->store, options.ranges);
  if (!plugins.ok()) return plugins.status();
  impl->registry = std::make_unique<apiserver::Registry>(*impl->store, std::move(*plugins));
  SKIFF_RETURN_IF_ERROR(impl->registry->EnsureSystemNamespaces());
  impl->local_client = std::make_unique<apiserver::LocalClient>(*impl->registry);
  apiserver::Registry* registry = impl->registry.get();
  impl->authenticator = std::make_unique<auth::Authenticator>(
      *impl->static_tokens, *impl->signer,
      [registry](const std::string& ns, const std::string& name, const std::string& uid) {
        api::GetRequest get;
        get.set_kind("ServiceAccount");
        get.set_namespace_(ns);
        get.set_name(name);
        auto r = registry->Get(get);
        if (!r.ok()) return false;
        api::ServiceAccount sa;
        return sa.ParseFromString(r->object()) && sa.metadata().uid() == uid;
      });
  if (options.authorization_mode == "AlwaysAllow") {
    impl->authorizer = std::make_unique<auth::AlwaysAllow>();
  } else if (options.authorization_mode == "RBAC") {
    SKIFF_RETURN_IF_ERROR(auth::EnsureBootstrapPolicy(*impl->local_client));
    impl->node_authorizer = std::make_shared<auth::NodeAuthorizer>(*impl->local_client);
    impl->rbac = std::make_shared<auth::RbacAuthorizer>(*impl->local_client);
    impl->node_authorizer->Start();
    impl->rbac->Start();
    if (!impl->node_authorizer->WaitForSync(std::chrono::seconds(30)) ||
        !impl->rbac->WaitForSync(std::chrono::seconds(30))) {
      return Unavailable("authorization policy did not load within 30 s");
    }
    impl->authorizer = std::make_unique<auth::ChainAuthorizer>(
        std::vector<std::shared_ptr<const auth::Authorizer>>{
            std::make_shared<auth::MastersAuthorizer>(), impl->node_authorizer, impl->rbac});
  } else {
    return InvalidArgument("--authorization-mode=" + options.authorization_mode +
                           ": want RBAC or AlwaysAllow");
  }
  impl->service = std::make_unique<apiserver::ApiService>(apiserver::ApiServiceDeps{
      impl->registry.get(), impl->authenticator.get(), impl->authorizer.get(), impl->signer.get(),
      store_spec.starts_with("etcd") ? "etcd" : "sqlite"});

  // The collector calls agents with the admin (system:masters) token: agents
  // check it against this API server and it may get every Node.
  impl->metrics_scraper = std::make_unique<metrics::HttpScraper>(admin_token);
  metrics::CollectorOptions collect;
  collect.interval = options.metrics_resolution;
  impl->collector =
      std::make_unique<metrics::Collector>(*impl->local_client, *impl->metrics_scraper, collect);
  impl->metrics_service = std::make_unique<metrics::MetricsService>(metrics::MetricsServiceDeps{
      impl->collector.get(), impl->authenticator.get(), impl->authorizer.get()});
  // Started before the gRPC server so calls never race its start-up. Without a running
  // collector the metrics API is not served at all (UNIMPLEMENTED: netctl top says "Metrics API
  // not available", as kubectl does without metrics-server).
  bool serve_metrics = options.run_controllers && options.metrics_resolution.count() > 0;
  if (serve_metrics) impl->collector->Start();

  const auto& hp = listen;
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({pki->server_key_pem, pki->server_cert_pem});
  grpc::ServerBuilder builder;
  std::string addr = hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host;
  builder.AddListeningPort((addr.empty() ? "0.0.0.0" : addr) + ":" + std::to_string(hp->port),
                           grpc::SslServerCredentials(ssl), &impl->port);
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  // Clients keep idle watches alive with pings (api/client/config.cc).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  // A second server on the same port must fail, not share it silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Keep handler threads around instead of creating one per burst.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 4);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  builder.RegisterService(impl->service.get());
  // metrics.k8s.io's role: same port, TLS and tokens as the API.
  if (serve_metrics) builder.RegisterService(impl->metrics_service.get());
  impl->grpc_server = builder.BuildAndStart();
  if (!impl->grpc_server || impl->port == 0) {
    return Unavailable("cannot listen on " + options.listen + " (--listen): address in use?");
  }

  // admin.conf points at the address clients can dial.
  std::string host = hp->host.empty() || hp->host == "0.0.0.0" ? "127.0.0.1" : hp->host;
  if (host == "::") host = "::1";
  api::ClientConfig admin;
  admin.server = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                 std::to_string(impl->port);
  admin.ca_pem = pki->ca_cert_pem;
  admin.token = admin_token;
  impl->admin_config = options.data_dir + "/admin.conf";
  SKIFF_RETURN_IF_ERROR(api::SaveClientConfig(admin, impl->admin_config));

  kubernetes.port = impl->port;
  SKIFF_RETURN_IF_ERROR(EnsureKubernetesService(*impl->local_client, kubernetes));

  if (!options.metrics_listen.empty()) {
    auto metrics =
        http::Server::Start(options.metrics_listen, {{"/metrics", http::MetricsHandler()},
                                                     {"/healthz", http::OkHandler()},
                                                     {"/readyz", http::OkHandler()}});
    if (!metrics.ok()) return metrics.status().WithContext("--metrics-listen");
    impl->metrics = std::move(*metrics);
  }

  if (options.run_controllers) {
    impl->controllers.push_back(
        std::make_unique<controllers::GarbageCollector>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::NamespaceController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::ReplicaSetController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::DeploymentController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::EndpointSliceController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::EndpointsController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::EndpointSliceMirroringController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::StatefulSetController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::ServiceAccountController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::DaemonSetController>(*impl->local_client));
    impl->controllers.push_back(std::make_unique<controllers::JobController>(*impl->local_client));
    impl->controllers.push_back(
        std::make_unique<controllers::CronJobController>(*impl->local_client));
    controllers::NodeLifecycleOptions lifecycle;
    lifecycle.node_monitor_grace = options.node_monitor_grace;
    lifecycle.default_toleration = options.pod_eviction_timeout;
    lifecycle.monitor_period = std::min<std::chrono::milliseconds>(lifecycle.monitor_period,
                                                                   options.node_monitor_grace / 4);
    impl->controllers.push_back(
        std::make_unique<controllers::NodeLifecycleController>(*impl->local_client, lifecycle));
    if (options.run_hpa_controller) {
      impl->controllers.push_back(std::make_unique<autoscaler::HorizontalPodAutoscalerController>(
          *impl->local_client, *impl->collector, HpaOptions(options)));
    }
    for (auto& c : impl->controllers)
      c->Start();
  }
  if (options.run_scheduler) {
    impl->scheduler = std::make_unique<scheduler::Scheduler>(*impl->local_client);
    impl->scheduler->Start();
  }
  if (options.compaction_interval.count() > 0) {
    Impl* raw = impl.get();
    impl->compactor = std::thread([raw] { raw->CompactLoop(); });
  }
  log::Get("server")->info("serving API on {} (store {}), admin config {}", admin.server,
                           store_spec, impl->admin_config);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Shutdown();
}

void Server::Shutdown() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  if (impl_->compactor.joinable()) impl_->compactor.join();
  for (auto& c : impl_->controllers)
    c->Stop();
  if (impl_->collector) impl_->collector->Stop();
  impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->metrics.reset();
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  impl_->cv.notify_all();
}

void Server::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->stopped; });
}

uint16_t Server::port() const {
  return static_cast<uint16_t>(impl_->port);
}
uint16_t Server::metrics_port() const {
  return impl_->metrics ? impl_->metrics->port() : 0;
}
const std::string& Server::admin_config_path() const {
  return impl_->admin_config;
}

}  // namespace skiff::server
