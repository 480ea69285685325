// Another team's service reporting to trackd (docs/clients.md): the seed event, then a bad one.
#include <trackd/client/track_client.h>

#include <iostream>

int main(int argc, char** argv) {
  auto client = trackd::TrackClient::Create({.target = argc > 1 ? argv[1] : "127.0.0.1:50051"});
  if (!client.ok()) return std::cerr << client.status() << "\n", 1;
  auto seed = (*client)->TrackAccountAddedUser(
      {.user_id = "766b3aef-5904-46fe-af05-a293fee8h345",
       .group_id = "47464e5b-4727-11ee-aeb6-fefbf8354ds3",
       .user_role = "Developer",
       .user_name = "Mark Wood",
       .user_email = "mark.wood@example.com",
       .timestamp = absl::FromUnixMillis(1698885008276)});  // 2023-11-02T00:30:08.276Z
  std::cout << "seed: " << seed.status() << "\n";
  auto bad = (*client)->TrackAccountAddedUser(
      {.user_id = "u1", .group_id = "acct1", .user_email = "mark"});
  std::cout << "bad: " << bad.status().code() << "\n";
  for (const auto& v : trackd::ViolationsOf(bad.status()))
    std::cout << v.field << ": " << v.description << "\n";
}
