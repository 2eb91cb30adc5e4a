package shop

import scala.collection.mutable

/** One line of stock: a product and how many are on hand. */
final case class Item(sku: String, name: String, quantity: Int)

/** Tracks stock levels and reservations. */
class Inventory(initial: Seq[Item]) {
  private val stock = mutable.Map.from(initial.map(i => i.sku -> i))

  /** Reserve `n` units of `sku`; false when not enough are left. */
  def reserve(sku: String, n: Int): Boolean = {
    stock.get(sku) match {
      case Some(item) if item.quantity >= n =>
        stock(sku) = item.copy(quantity = item.quantity - n)
        true
      case _ => false
    }
  }

  def restock(sku: String, n: Int): Unit =
    stock.updateWith(sku)(_.map(i => i.copy(quantity = i.quantity + n)))

  def available(sku: String): Int = stock.get(sku).map(_.quantity).getOrElse(0)
}

object Inventory {
  /** An inventory with nothing in it. */
  def empty: Inventory = new Inventory(Seq.empty)
}

trait Pricing {
  def price(item: Item): BigDecimal
}
